/**
 * The bash program that keeps one shell session alive for a whole demo.
 *
 * It is written for bash 4.0 and newer (see MIN_BASH) and checks that first,
 * in code that bash 3.2 still runs, so an older bash refuses cleanly.
 *
 * Start-up: bash makes its own two named pipes (requests, answers) in the
 * session's private directory, then reports `H<major> <minor> <watchdog pid> <path>` on
 * the handshake channel (or `V<version> <path>` when it is too old, `F<why>` when
 * it cannot make the pipes). With the `fd3` channel the handshake goes to
 * descriptor 3, which a watchdog keeps and the session closes: when the runner
 * dies, the watchdog sees the end of that pipe and ends the session's processes
 * (TERM, then KILL after a grace); a runner that closed the session itself says
 * so first (ENDED), and the watchdog just ends. With the `fifos` channel (no
 * descriptor 3, as under a pseudo-terminal) the runner makes the pipes, the
 * handshake goes to the answers pipe, and the watchdog watches the runner's pid
 * instead, or for ENDED on a pipe of its own.
 *
 * The program opens its pipes only while it reads a request or writes an
 * answer, so no descriptor of the channel is open while a command runs.
 *
 * Requests, each two NUL-terminated fields:
 *   `R<line> <file>` then the command: run it as the step at file:line (the
 *       file may be left out when it is the previous request's);
 *   `Q` then space-separated names (digits for $1...): report their values;
 *   `X` then nothing: end the session (the demo's EXIT trap runs);
 *   `P` then nothing: report the session's state as a script that recreates it.
 * Answers (NUL-terminated): `S<status> <errexit>` after a command; `v1<value>` or
 * `v0` (unset) per name, then `E`; `p<script>` for `P`.
 *
 * The demo's own code cannot reach the plumbing: builtins are called as
 * builtins (functions named `builtin` or `command` are set aside while the
 * plumbing runs; the command itself goes through `command eval`, which, unlike
 * `builtin eval`, keeps `set -e` from ending the session),
 * the plumbing keeps its own IFS and runs with tracing, nounset and errexit off
 * (the demo's settings come back before its next command), and the program is
 * parsed before any alias of the demo exists. Bash's own messages name the
 * step's file and line: the command is padded with newlines so that its lines
 * have the step's numbers, and on bash 5 `$0` is the step's file while it runs.
 *
 * Every assignment is exported (`set -a`), as in demosh; `set -e` is recorded
 * and turned off after each command, so a failure never ends the session.
 * Ctrl-C (SIGINT) ends the whole running command, loops of builtins included:
 * the trap breaks out of every loop, ours too, and the code after our loop
 * answers 130 and enters it again.
 *
 * When the session cannot read a request or write an answer (a demo ran
 * `ulimit -n 3`, or removed the pipes), it kills itself with SIGKILL, so that
 * the runner never mistakes a broken session for a demo that ran `exit`.
 */

/** The oldest bash the session runs on. */
export const MIN_BASH = { major: 4, minor: 0 } as const;

export type HandshakeChannel = "fd3" | "fifos";

export interface LoopOptions {
  /** The session's private directory (mode 0700): the pipes go here. */
  readonly dir: string;
  readonly channel: HandshakeChannel;
  /** The runner's pid, which the `fifos` watchdog polls. */
  readonly runner: number;
  /** Text written to the terminal after each command, before the answer. */
  readonly doneMark?: string;
}

/**
 * What the runner writes to the watchdog when it has closed the session itself (bash has
 * ended, what it left was signalled, its directory is gone). bash's children are no longer
 * its children then, so the watchdog could find none of them anyway; it just ends. Only
 * the end of the pipe without this (the runner died) sets it to work.
 */
export const ENDED = "ended";

export const REQUESTS = "requests";
export const ANSWERS = "answers";
/**
 * The `fifos` channel's watchdog waits on this pipe for a second at a time between looks
 * at the runner, instead of starting `sleep` every second; a runner that closed the
 * session itself writes ENDED (a line) to it.
 */
export const IDLE = "idle";

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * The loop itself, on one line: every `eval` on it reports the same line
 * number, so one probe at its start tells how far to pad each command.
 */
const LOOP = [
  "__dsh_b=0;",
  // The probe: what line a command's first line gets when evaluated here.
  "builtin eval $'__dsh_base=$LINENO\\n';",
  "while :; do",
  // Read the next request; a signal (Ctrl-C between commands) just retries.
  "{ builtin read -r -d '' __dsh_h && builtin read -r -d '' __dsh_t; } < \"$__dsh_q\"; __dsh_rs=$?;",
  "if (( __dsh_rs > 128 )); then continue; fi;",
  "if (( __dsh_rs != 0 )); then __dsh_broken; fi;",
  "case $__dsh_h in",
  "R*)",
  "__dsh_h=${__dsh_h:1}; __dsh_l=${__dsh_h%% *}; if [[ $__dsh_h == *' '* ]]; then __dsh_f=${__dsh_h#* }; fi;",
  "__dsh_prepare;",
  // From here on the demo's own settings are in force: nothing of ours may run but the eval.
  "__dsh_enter;",
  '{ __dsh_status "$__dsh_p"; command eval "$__dsh_t"; } || { __dsh_s=$?; } 2>/dev/null;',
  "{ __dsh_leave; } 2>/dev/null;",
  "__dsh_after; __dsh_mark;",
  '__dsh_answer "S$__dsh_s $__dsh_e";',
  ";;",
  "X*) builtin exit 0 ;;",
  "P*) __dsh_state ;;",
  "Q*)",
  '__dsh_query "$@";',
  ";;",
  "esac;",
  "done;",
  // Only a Ctrl-C during a command gets here (the trap broke out of every loop).
  "{ __dsh_leave; } 2>/dev/null;",
  "__dsh_s=130; __dsh_after; __dsh_mark;",
  '__dsh_answer "S$__dsh_s $__dsh_e";',
  "builtin shopt -u expand_aliases;",
  'builtin eval "$__dsh_loop"',
].join(" ");

/** Functions of the plumbing: parsed once, before the demo can define any alias. */
const FUNCTIONS = String.raw`
__dsh_status() { \builtin return "$1"; }
__dsh_broken() {
  builtin printf 'demoshts: the shell session lost its channel to the runner\n' >&2
  builtin kill -s KILL "$$"
}
__dsh_answer() {
  [[ -p $__dsh_a ]] || __dsh_broken
  builtin printf '%s\0' "$1" > "$__dsh_a" || __dsh_broken
}
__dsh_prepare() {
  __dsh_p=$__dsh_s __dsh_s=0
  __dsh_pre= __dsh_t2=$__dsh_t
  # A function set aside comes back first; its lines count against the padding.
  if [[ -n $__dsh_fn ]]; then __dsh_pre=$__dsh_fn$'\n' __dsh_fn=; fi
  __dsh_ls=@{__dsh_pre//[!$'\n']/}
  # Pad the command so that its first line gets the step's line number.
  __dsh_n=$(( __dsh_l - __dsh_base - @{#__dsh_ls} ))
  if (( __dsh_n >= 0 )); then
    while (( @{#__dsh_nl} < __dsh_n )); do __dsh_nl=$__dsh_nl$__dsh_nl; done
    __dsh_t2=@{__dsh_nl:0:__dsh_n}$__dsh_t2$'\n'
  elif (( __dsh_n != -1 )) || [[ $__dsh_t2 == *$'\n'* ]]; then
    __dsh_t2=$__dsh_t2$'\n'
  fi
  __dsh_t2=$__dsh_pre$__dsh_t2
  case $__dsh_o in *x*) __dsh_t2="builtin set -x; $__dsh_t2" ;; esac
  __dsh_t=$__dsh_t2
  if (( __dsh_v5 )) && [[ -n $__dsh_f ]]; then BASH_ARGV0=$__dsh_f; fi
  if (( __dsh_ifsset )); then IFS=$__dsh_ifs; else builtin unset IFS; fi
  if (( __dsh_al )); then builtin shopt -s expand_aliases; fi
  __dsh_run=1
}
__dsh_enter() {
  case $__dsh_o in *u*) builtin set -u ;; esac
  case $__dsh_o in *v*) builtin set -v ;; esac
  if [[ $__dsh_e == 1 ]]; then builtin set -e; fi
  builtin set -a
  if [[ $__dsh_pm == 1 ]]; then builtin set -o posix; fi
  if [[ -n $__dsh_px ]]; then POSIXLY_CORRECT=@{__dsh_px:1}; fi
}
__dsh_leave() {
  __dsh_o=$- __dsh_run=0 __dsh_bo=:$BASHOPTS:
  __dsh_px=@{POSIXLY_CORRECT+=}@{POSIXLY_CORRECT-}
  __dsh_pm=0
  case :$SHELLOPTS: in *:posix:*) __dsh_pm=1 ;; esac
  # Special builtins come before functions in POSIX mode: the only safe way back.
  POSIXLY_CORRECT=y
  set +avux
  export -n __dsh_s __dsh_o __dsh_run __dsh_bo __dsh_px __dsh_pm POSIXLY_CORRECT
  # (stderr is already /dev/null here: export's complaint about a missing function is not seen)
  if export -f builtin; then __dsh_hide builtin; fi
  if export -f command; then __dsh_hide command; fi
  unset POSIXLY_CORRECT
  # POSIX mode changes some shell options on the way in and out: give the demo its own back.
  case $__dsh_bo in *:expand_aliases:*) builtin shopt -s expand_aliases ;; esac
  case $__dsh_bo in *:inherit_errexit:*) ;; *) builtin shopt -u inherit_errexit ;; esac
  if [[ :$BASHOPTS: != "$__dsh_bo" ]]; then
    for __dsh_so in shift_verbose sourcepath interactive_comments; do
      case $__dsh_bo in
      *:$__dsh_so:*) builtin shopt -s "$__dsh_so" ;;
      *) builtin shopt -u "$__dsh_so" ;;
      esac
    done
  fi
  __dsh_ifsset=@{IFS+1}0 __dsh_ifs=@{IFS-}
  IFS=$' \t\n'
  if (( __dsh_v5 )); then BASH_ARGV0=$__dsh_0; fi
}
# The demo defined a function named builtin or command: keep its text, set it
# aside, and give it back at the start of the next command.
__dsh_hide() {
  __dsh_sv=0 __dsh_tx=
  if ! export -f declare; then declare -f "$1" > "$__dsh_d/fn" && __dsh_sv=1; fi
  unset -f "$1"
  if (( __dsh_sv )); then
    { IFS= builtin read -r -d '' __dsh_tx || :; } < "$__dsh_d/fn"
    __dsh_fn=$__dsh_fn$__dsh_tx
  fi
}
__dsh_after() {
  case $__dsh_o in *e*) __dsh_e=1 ;; *) __dsh_e=0 ;; esac
  builtin set +e
  case $__dsh_bo in *:expand_aliases:*) __dsh_al=1 ;; *) __dsh_al=0 ;; esac
}
# The demo's state as a script: its variables, functions, aliases and options, and the
# working directory. Between commands the plumbing's own settings are in force, so the
# demo's IFS, set -u/-v/-x, posix mode and expand_aliases come from what was saved.
__dsh_state() {
  {
    builtin printf 'p'
    while IFS= builtin read -r __dsh_qn; do
      case $__dsh_qn in
      __dsh_* | BASH* | DEMOSHTS_* | EUID | PPID | UID | SHELLOPTS | RANDOM | SRANDOM | \
        SECONDS | LINENO | FUNCNAME | GROUPS | HISTCMD | EPOCHREALTIME | EPOCHSECONDS | \
        DIRSTACK | PIPESTATUS | COMP_WORDBREAKS | OPTIND | OPTARG | _ | PWD | OLDPWD | \
        SHLVL | IFS | POSIXLY_CORRECT) ;;
      *) builtin declare -p "$__dsh_qn" 2>/dev/null ;;
      esac
    done < <(builtin compgen -v)
    if (( __dsh_ifsset )); then builtin printf 'IFS=%q\n' "$__dsh_ifs"; else builtin printf 'unset IFS\n'; fi
    while IFS=' ' builtin read -r _ __dsh_qa __dsh_qn; do
      if [[ $__dsh_qn != __dsh_* ]]; then
        builtin declare -f "$__dsh_qn"
        if [[ $__dsh_qa == *x* ]]; then builtin printf 'export -f %s\n' "$__dsh_qn"; fi
      fi
    done < <(builtin declare -F)
    builtin alias -p
    while IFS= builtin read -r __dsh_qn; do
      case $__dsh_qn in
      *errexit | *allexport | *xtrace | *nounset | *verbose | *posix) ;;
      *) builtin printf '%s\n' "$__dsh_qn" ;;
      esac
    done < <(builtin set +o)
    while IFS= builtin read -r __dsh_qn; do
      case $__dsh_qn in *login_shell | *restricted_shell | *expand_aliases) ;; *) builtin printf '%s\n' "$__dsh_qn" ;; esac
    done < <(builtin shopt -p)
    if (( __dsh_al )); then builtin printf 'shopt -s expand_aliases\n'; else builtin printf 'shopt -u expand_aliases\n'; fi
    case $__dsh_o in *u*) builtin printf 'set -u\n' ;; esac
    case $__dsh_o in *v*) builtin printf 'set -v\n' ;; esac
    case $__dsh_o in *x*) builtin printf 'set -x\n' ;; esac
    if [[ $__dsh_pm == 1 ]]; then builtin printf 'set -o posix\n'; fi
    if [[ $__dsh_e == 1 ]]; then builtin printf 'set -e\n'; fi
    builtin printf 'builtin cd -- %q\n' "$PWD"
    builtin printf '\0'
  } > "$__dsh_a" || __dsh_broken
}
__dsh_query() {
  {
    for __dsh_qn in $__dsh_t; do
      if [[ $__dsh_qn == [0-9]* ]]; then
        if (( __dsh_qn <= $# )); then builtin printf 'v1%s\0' "@{!__dsh_qn}"; else builtin printf 'v0\0'; fi
      elif [[ -n @{!__dsh_qn+x} ]]; then
        builtin printf 'v1%s\0' "@{!__dsh_qn}"
      else
        builtin printf 'v0\0'
      fi
    done
    builtin printf 'E\0'
  } > "$__dsh_a" || __dsh_broken
}
`;

/** How the watchdog finds and ends what the session started: with `ps`, GNU and BSD alike. */
const WATCHDOG = `
__dsh_tree() {
  local root=$1 pid ppid list=" $1 " found=1
  local -a rows
  rows=($(command -p ps -A -o pid= -o ppid= 2>/dev/null))
  while (( found )); do
    found=0
    for (( i = 0; i + 1 < @{#rows[@]}; i += 2 )); do
      pid=@{rows[i]} ppid=@{rows[i+1]}
      if [[ $list == *" $ppid "* && $list != *" $pid "* && $pid != "$__dsh_me" ]]; then
        list="$list$pid "; found=1
      fi
    done
  done
  builtin printf '%s' "@{list# $root }"
}
__dsh_end_all() {
  local pids
  pids=$(__dsh_tree "$1")
  if [[ -n @{pids// /} ]]; then
    builtin kill -s TERM $pids 2>/dev/null
    command -p sleep 0.3
    pids=$(__dsh_tree "$1")
    if [[ -n @{pids// /} ]]; then builtin kill -s KILL $pids 2>/dev/null; fi
  fi
  builtin kill -s KILL "$1" 2>/dev/null
  command -p rm -rf "$__dsh_d"
}
`;

/** The whole `bash -c` program. */
export function sessionLoop(options: LoopOptions): string {
  const dir = q(options.dir);
  const requests = q(`${options.dir}/${REQUESTS}`);
  const answers = q(`${options.dir}/${ANSWERS}`);
  const idle = q(`${options.dir}/${IDLE}`);
  const { major, minor } = MIN_BASH;
  const report = options.channel === "fd3" ? ">&3" : `> ${answers}`;
  const bootstrap =
    options.channel === "fd3"
      ? [
          `if ! command -p mkfifo -m 600 ${requests} ${answers}; then builtin printf 'Fcannot make the session pipes with mkfifo\\0' >&3; exit 97; fi`,
          // Disowned, the watchdog is not among the demo's jobs, and wait does not wait for it.
          `( builtin trap '' INT HUP TERM QUIT; __dsh_me=$BASHPID; __dsh_x=; builtin read -r -d '' __dsh_x <&3; [[ $__dsh_x == ${ENDED} ]] || __dsh_end_all "$__dsh_pid" ) </dev/null >/dev/null 2>&1 & builtin disown`,
          `builtin printf 'H%s %s %s %s\\0' "@{BASH_VERSINFO[0]}" "@{BASH_VERSINFO[1]}" "$!" "$BASH" >&3`,
          "exec 3>&-",
        ]
      : [
          // Opened for reading and writing, the idle pipe never ends: read -t waits its full
          // second. Without it (or should reading fail), sleep waits instead.
          `( builtin trap '' INT HUP TERM QUIT; __dsh_me=$BASHPID; __dsh_x=; if [[ -p ${idle} ]]; then while [[ $__dsh_x != ${ENDED} ]] && builtin kill -0 ${options.runner} 2>/dev/null; do builtin read -r -t 1 -u 9 __dsh_x || (( $? > 128 )) || command -p sleep 1; done 9<>${idle}; fi; while [[ $__dsh_x != ${ENDED} ]] && builtin kill -0 ${options.runner} 2>/dev/null; do command -p sleep 1; done; [[ $__dsh_x == ${ENDED} ]] || __dsh_end_all "$__dsh_pid" ) </dev/null >/dev/null 2>&1 & builtin disown`,
          `builtin printf 'H%s %s %s %s\\0' "@{BASH_VERSINFO[0]}" "@{BASH_VERSINFO[1]}" "$!" "$BASH" > ${answers}`,
        ];
  const boot = [
    `__dsh_d=${dir} __dsh_q=${requests} __dsh_a=${answers} __dsh_pid=$$ __dsh_0=$0`,
    WATCHDOG,
    ...bootstrap,
    FUNCTIONS,
    "builtin trap '{ [[ $__dsh_run != 1 ]] || { __dsh_b=1; \\break 100000; }; } 2>/dev/null' INT",
    "builtin shopt -s expand_aliases",
    "__dsh_f= __dsh_e=0 __dsh_s=0 __dsh_run=0 __dsh_o= __dsh_al=1 __dsh_ifsset=0 __dsh_ifs= __dsh_fn= __dsh_px= __dsh_pm=0 __dsh_nl=$'\\n'",
    "__dsh_v5=0; if (( BASH_VERSINFO[0] >= 5 )); then __dsh_v5=1; fi",
    // On a terminal the runner reads, the mark tells it all of a command's output has come;
    // /dev/tty reaches it even when the command redirected stdout.
    options.doneMark === undefined
      ? "__dsh_mark() { :; }"
      : `__dsh_mark() { builtin printf '%s' ${q(options.doneMark)} 2>/dev/null > /dev/tty; }`,
    `__dsh_loop=${q(LOOP)}`,
    "builtin shopt -u expand_aliases",
  ]
    .join("\n")
    .replaceAll("@{", "${");
  // One line, so that the loop's evals report line 1 and any step's line can be reached
  // by padding. The version check comes first, in code that bash 3.2 still runs.
  return [
    `if (( BASH_VERSINFO[0] < ${major} || (BASH_VERSINFO[0] == ${major} && BASH_VERSINFO[1] < ${minor}) )); then builtin printf 'V%s %s\\0' "\${BASH_VERSINFO[0]}.\${BASH_VERSINFO[1]}.\${BASH_VERSINFO[2]}" "$BASH" ${report}; exit 97; fi;`,
    `__dsh_boot=${ansiQuote(boot)};`,
    'builtin eval "$__dsh_boot";',
    'builtin eval "$__dsh_loop"',
  ].join(" ");
}

/** `$'...'`: a quoted word without a newline in it. */
function ansiQuote(s: string): string {
  return `$'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")}'`;
}
