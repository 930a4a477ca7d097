/**
 * The bash program that keeps one shell session alive for a whole demo.
 *
 * It reads NUL-terminated requests from fd 3 and answers on fd 4, after moving
 * both to descriptors bash picks (10 and up) so that scripts using 3..9 cannot
 * collide with them; the commands it evaluates never see either descriptor.
 *
 * Requests:  R<command>  run it;  r<command>  run it, then drop keys typed meanwhile;
 *            Q<names>    report variables (space-separated names, digits for $1...).
 * Answers:   S<status> <errexit>   after a command (errexit: 1 if `set -e` is on);
 *            v1<value> or v0 per queried name (0 = unset), then E.
 *
 * Every assignment is exported (`set -a`), as in demosh. `set -e` is recorded and
 * turned off again after each command, so a failure never ends the session: the
 * runner decides what to do (evaluating inside `||` keeps errexit from firing).
 * `trap : INT` lets Ctrl-C end the running command but not the session.
 */
// `@{` stands for `${`, which a template literal would otherwise interpolate.
export const SESSION_LOOP = String.raw`
exec {__dsh_in}<&3 {__dsh_out}>&4 3<&- 4>&-
trap : INT
shopt -s expand_aliases
__dsh_e=0
while set +a; IFS= read -r -d '' __dsh_msg <&"$__dsh_in"; do
  case $__dsh_msg in
  [Rr]*)
    __dsh_s=0
    if [[ $__dsh_e == 1 ]]; then set -e; fi
    set -a
    eval "@{__dsh_msg:1}" {__dsh_in}<&- {__dsh_out}>&- || __dsh_s=$?
    set +a
    export -n __dsh_s
    case $- in *e*) __dsh_e=1; set +e ;; *) __dsh_e=0 ;; esac
    if [[ $__dsh_msg == r* && -t 0 ]]; then
      while IFS= read -r -s -n 1 -t 0.02 __dsh_k; do :; done
    fi
    printf 'S%s %s\0' "$__dsh_s" "$__dsh_e" >&"$__dsh_out"
    ;;
  Q*)
    for __dsh_n in @{__dsh_msg:1}; do
      if [[ $__dsh_n =~ ^[0-9]+$ ]]; then
        if (( __dsh_n <= $# )); then printf 'v1%s\0' "@{!__dsh_n}"; else printf 'v0\0'; fi
      elif [[ -v $__dsh_n ]]; then
        printf 'v1%s\0' "@{!__dsh_n}"
      else
        printf 'v0\0'
      fi
    done >&"$__dsh_out"
    printf 'E\0' >&"$__dsh_out"
    ;;
  esac
done
`.replaceAll("@{", "${");
