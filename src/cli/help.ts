/** Help texts: every command explains itself with examples. */

export const MAIN_HELP = `byokey — your AI subscriptions and API keys as OpenAI-, Anthropic- and Gemini-compatible APIs

Usage:
  byokey <command> [options]

Commands:
  serve       Run the gateway in the foreground
  reload      Make the running gateway re-read its config file now
  version     Print the version

Options:
  -h, --help      Show help (also: byokey <command> --help)
  -V, --version   Print the version

Examples:
  byokey serve
  byokey serve -c ./config.yaml -p 9000
  byokey reload

Files:
  config    $BYOKEY_HOME/config.yaml, else $XDG_CONFIG_HOME/byokey/config.yaml (~/.config/byokey/config.yaml)
  database  $BYOKEY_HOME/byokey.db, else ~/.byokey/byokey.db

Exit codes: 0 ok, 1 runtime error, 2 usage error.`

export const COMMAND_HELP: Record<string, string> = {
  serve: `Usage: byokey serve [options]

Runs the gateway in the foreground until SIGTERM or SIGINT (Ctrl-C). SIGHUP re-reads the config.
The config file is watched and hot-reloaded; a bad edit is logged and the old config stays live.

Options:
  -c, --config FILE     Config file (YAML, or JSON by .json extension)
  -p, --port PORT       Listen port (default 8018; 0 picks a free port)
      --host HOST       Listen address (default 127.0.0.1)
      --db PATH         SQLite database (default ~/.byokey/byokey.db)
      --log-file PATH   Write JSON log lines to this file instead of stdout
      --log-level LEVEL trace, debug, info, warn, error, fatal or silent (default info)
  -h, --help            Show this help

Examples:
  byokey serve
  byokey serve --config ~/byokey.yaml --port 9000 --log-level debug
  byokey serve --host 0.0.0.0 --db /var/lib/byokey/byokey.db`,
  reload: `Usage: byokey reload

Asks the running gateway (through its control socket) to re-read its config file now.
Prints whether the config changed; exits 1 when the new file is invalid (the old config stays live)
or when no gateway is running.

Examples:
  byokey reload`,
  version: `Usage: byokey version

Prints the version. Same as byokey --version.`,
}
