/**
 * The bash program that keeps one shell session alive for a whole demo.
 *
 * Requests and answers travel through two named pipes that the program opens
 * only while it reads a request or writes an answer, so no descriptor of the
 * channel is open while a command runs: commands cannot see, inherit, read or
 * close it, whatever descriptors they open or close themselves.
 *
 * Requests (NUL-terminated):  R<command>  run it;  r<command>  run it, then drop
 *                             keys typed meanwhile;  Q<names>  report variables
 *                             (space-separated names, digits for $1...).
 * Answers (NUL-terminated):   S<status> <errexit>  after a command (errexit: 1 if
 *                             `set -e` is on);  v1<value> or v0 per queried name
 *                             (0 = unset), then E.
 *
 * With `doneMark`, bash writes that text to its terminal after each command, before
 * answering.
 *
 * Every assignment is exported (`set -a`), as in demosh. `set -e` is recorded and
 * turned off again after each command, so a failure never ends the session: the
 * runner decides what to do (evaluating inside `||` keeps errexit from firing).
 * `$?` is the previous command's status when a command starts, as in a terminal.
 * Ctrl-C (SIGINT) ends the whole running command, as at a terminal prompt, even a
 * loop of shell builtins: the trap breaks out of every loop, ours included, and
 * the code after our loop answers 130 and starts it again (through `eval`, so
 * commands always run at the top level, never inside a function).
 */
export function sessionLoop(requests: string, answers: string, doneMark?: string): string {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  // `@{` stands for `${`, which a template literal would otherwise interpolate.
  return String.raw`
trap 'if [[ $__dsh_run == 1 ]]; then __dsh_b=1; break 100000; fi' INT
shopt -s expand_aliases
__dsh_e=0 __dsh_s=0 __dsh_run=0 __dsh_rs=0
__dsh_status() { return "$1"; }
__dsh_after() {
  set +a
  export -n __dsh_s
  case $- in *e*) __dsh_e=1; set +e ;; *) __dsh_e=0 ;; esac
DONE_MARK}
IFS= read -r -d '' __dsh_loop <<'__DSH_LOOP'
__dsh_b=0
while IFS= read -r -d '' __dsh_msg < REQUESTS; __dsh_rs=$?; (( __dsh_rs == 0 )); do
  case $__dsh_msg in
  [Rr]*)
    __dsh_p=$__dsh_s __dsh_s=0
    if [[ $__dsh_e == 1 ]]; then set -e; fi
    set -a
    __dsh_run=1
    { __dsh_status "$__dsh_p"; eval "@{__dsh_msg:1}"; } || __dsh_s=$?
    __dsh_run=0
    __dsh_after
    if [[ $__dsh_msg == r* && -t 0 ]]; then
      while IFS= read -r -s -n 1 -t 0.02 __dsh_k; do :; done
    fi
    printf 'S%s %s\0' "$__dsh_s" "$__dsh_e" > ANSWERS
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
    done > ANSWERS
    printf 'E\0' > ANSWERS
    ;;
  esac
done
if [[ $__dsh_b == 1 ]]; then
  __dsh_run=0 __dsh_s=130
  __dsh_after
  printf 'S%s %s\0' "$__dsh_s" "$__dsh_e" > ANSWERS
  eval "$__dsh_loop"
elif (( __dsh_rs > 128 )); then
  eval "$__dsh_loop"
fi
__DSH_LOOP
eval "$__dsh_loop"
`
    .replaceAll("@{", "${")
    .replace(
      "DONE_MARK",
      // On a terminal the runner reads, the mark tells it that all of the command's output
      // has arrived; /dev/tty reaches it even when the command redirected stdout.
      doneMark === undefined ? "" : `  printf '%s' ${q(doneMark)} 2>/dev/null > /dev/tty\n`,
    )
    .replaceAll("REQUESTS", q(requests))
    .replaceAll("ANSWERS", q(answers));
}
