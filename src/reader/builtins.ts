/** Where builtin steps say they come from. */
export const BUILTINS_LABEL = "(builtins)";

/**
 * The builtin macros, defined before anything else unless `--no-builtins`.
 * Scripts override any of them by defining a macro of the same name.
 */
export const BUILTINS = `\
## wait_clear: wait for the presenter, then clear the screen. (Where there is
## no terminal, as in CI, clear fails; that must not fail the demo.)
#@macro wait_clear
  #@wait
  #@clear 2>/dev/null || :
#@end

## browser_then_terminal: when both hooks are live, wait, switch the stream to
## the browser, wait, clear, and switch back to the terminal.
#@macro browser_then_terminal
  #@ifhook show_browser
    #@ifhook show_terminal
      #@wait
      #@show_browser
      #@wait
      #@clear 2>/dev/null || :
      #@show_terminal
    #@endif
  #@endif
#@end

## start_livecast: when both hooks are live, show the slides while the
## terminal waits, then clear it and switch the stream to it.
#@macro start_livecast
  #@ifhook show_slides
    #@ifhook show_terminal
      #@show_slides
      clear 2>/dev/null || :
      echo Waiting...
      #@wait
      #@clear 2>/dev/null || :
      #@show_terminal
    #@endif
  #@endif
#@end
`;
