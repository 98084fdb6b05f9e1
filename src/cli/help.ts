/** Help texts: every command explains itself with examples. */

export const MAIN_HELP = `byokey — your AI subscriptions and API keys as OpenAI-, Anthropic- and Gemini-compatible APIs

Usage:
  byokey <command> [options]

Commands:
  serve               Run the gateway in the foreground
  start               Run the gateway in the background, logging to a file
  stop                Stop the background gateway gracefully
  restart             Stop and start again with the same options
  reload              Make the running gateway re-read its config file now
  status              Show whether the gateway runs and each provider's login state
  login               Log in to a subscription (claude, codex, copilot, gemini, antigravity, qwen, kimi, iflow, kiro, amp)
  accounts            List a provider's accounts
  switch              Choose the account a provider uses
  logout              Remove an account (the active one by default)
  add-api-key         Store an API key for a provider
  admin-key           Create, list or revoke keys of the management API and dashboard
  import-claude-code  Import Claude Code's login
  import-codex        Import Codex CLI's ChatGPT login
  import-gemini-cli   Import Gemini CLI's Google login
  import-kiro         Import the Kiro IDE's login
  amp inject          Point Amp CLI at byokey (amp.url in Amp's settings; --undo)
  keys                Make, list, revoke and rotate the keys clients send to byokey
  secrets             Show how tokens are kept at rest; re-encrypt them with the current key
  migrate             Copy the SQLite database into PostgreSQL, verified by checksums
  config check        Validate a config file without starting
  doctor              Check config, database, port, accounts and clock
  openapi             Print the OpenAPI document of the HTTP API
  completions         Print shell completions (bash, zsh, fish)
  service             Run byokey as a systemd or launchd service (install, start, stop, status)
  version             Print the version

Options:
  -h, --help      Show help (also: byokey <command> --help)
  -V, --version   Print the version

Examples:
  byokey serve
  byokey serve -c ./config.yaml -p 9000
  byokey start -p 9000 && byokey stop
  byokey reload
  byokey login claude
  byokey login codex --no-browser
  byokey import-claude-code
  echo "$ANTHROPIC_API_KEY" | byokey add-api-key claude -
  byokey status
  byokey service install

Providers: claude, codex, gemini, copilot, antigravity, qwen, kimi, iflow, kiro, amp
(aliases such as anthropic, openai, chatgpt, google, github are accepted).

Files:
  config    $BYOKEY_HOME/config.yaml, else $XDG_CONFIG_HOME/byokey/config.yaml (~/.config/byokey/config.yaml)
  database  $BYOKEY_HOME/byokey.db, else ~/.byokey/byokey.db
  pid file  byokey.pid beside the database (written by start)
  log       $BYOKEY_HOME/byokey.log, else ~/.byokey/byokey.log (start; rotated to byokey.log.1 …)

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
      --insecure-no-auth  Listen beyond loopback without gateway keys (refused otherwise)
  -h, --help            Show this help

Examples:
  byokey serve
  byokey serve --config ~/byokey.yaml --port 9000 --log-level debug
  byokey serve --host 0.0.0.0 --db /var/lib/byokey/byokey.db`,
  start: `Usage: byokey start [serve options]

Runs 'byokey serve' in the background (its own session, stdin closed, output to the log file),
writes a pid file beside the database (byokey.pid, mode 0600), waits until /readyz answers and
prints the URL. If a gateway already runs for this database it says so and exits 1. When the
gateway does not become ready within 20 s, prints the end of the log and exits 1.
Log files rotate by size (log.max_size_mb) and optionally daily (log.daily), keeping log.keep old files.

Options (as for serve):
  -c, --config FILE     Config file (YAML, or JSON by .json extension)
  -p, --port PORT       Listen port (default 8018; 0 picks a free port)
      --host HOST       Listen address (default 127.0.0.1)
      --db PATH         SQLite database (default ~/.byokey/byokey.db); the pid file goes beside it
      --log-file PATH   Log file (default: the config's log.file, else ~/.byokey/byokey.log,
                        or $BYOKEY_HOME/byokey.log)
      --log-level LEVEL trace, debug, info, warn, error, fatal or silent (default info)
      --insecure-no-auth  Listen beyond loopback without gateway keys (refused otherwise)

Examples:
  byokey start
  byokey start -c ~/byokey.yaml -p 9000
  byokey start --log-file /tmp/byokey.log && tail -f /tmp/byokey.log`,
  stop: `Usage: byokey stop [--db PATH]

Stops the gateway that serves this database: asks it over its control socket (in-flight requests
finish, usage is written), else sends SIGTERM to the pid file's process after checking that it is
byokey. Waits until the process is gone and its port closed. A stale pid file (the process is gone,
or the pid now belongs to another program) is removed and that process is left alone.
Exits 1 when nothing was running.

Options:
      --db PATH   SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey stop
  byokey stop --db /srv/byokey/byokey.db`,
  restart: `Usage: byokey restart [serve options]

Stops the background gateway and starts it again. Without options it reuses the options it was
started with (kept in its pid file); with options, those replace them.

Examples:
  byokey restart
  byokey restart -p 9001 --log-level debug`,
  reload: `Usage: byokey reload

Asks the running gateway (through its control socket) to re-read its config file now.
Prints whether the config changed; exits 1 when the new file is invalid (the old config stays live)
or when no gateway is running.

Examples:
  byokey reload`,
  'admin-key': `Usage: byokey admin-key create [--name NAME] | list [--json] | revoke <id|name>

Keys of the management API (/admin/v1/…) and the dashboard (/dashboard), sent as
'Authorization: Bearer <key>'. create prints a new key once (only its hash is stored); list shows
each key's id, name, last four characters and last use; revoke removes one by id or name.
A key can also come from the environment variable that admin.key_env in the config names.

Options:
      --db PATH     SQLite database (default ~/.byokey/byokey.db)
      --name NAME   A name for the new key (default admin)
      --json        list: machine-readable output

Examples:
  byokey admin-key create --name laptop
  byokey admin-key list
  byokey admin-key revoke laptop`,
  secrets: `Usage: byokey secrets status|rotate [options]

Account tokens (OAuth access and refresh tokens, stored API keys) are encrypted at rest with
AES-256-GCM when the environment variable store.secret_key_env names (default BYOKEY_SECRET_KEY)
holds a 32-byte key, as 64 hex characters or base64. Each row names the key it was encrypted
with; rows written before a key was set stay readable and are encrypted on their next write.
Older keys go in the same variable with _PREVIOUS appended (comma-separated): they are read,
never written with. Without the key an encrypted database does not open: nothing is rewritten.
The same on SQLite and PostgreSQL (store.kind postgres or BYOKEY_DATABASE_URL): rotate works on
the store the config names; a row a running server changes meanwhile is left to the server.
Restart the servers with the new key (and the old one in _PREVIOUS) before rotating: a server
reads only rows of the keys it holds.

  secrets status    tokens in clear and per key; which key is current
  secrets rotate    re-encrypt every token with the current key (--decrypt: write them in clear)

Options:
      --db PATH     SQLite database (default ~/.byokey/byokey.db)
      --json        status: machine-readable output
      --decrypt     rotate: write every token in clear (the variable unset, the key in _PREVIOUS)

Examples:
  export BYOKEY_SECRET_KEY="$(openssl rand -base64 32)"
  byokey secrets rotate
  BYOKEY_SECRET_KEY_PREVIOUS="$OLD" BYOKEY_SECRET_KEY="$NEW" byokey secrets rotate
  byokey secrets status`,
  migrate: `Usage: byokey migrate --to postgres://USER:PASSWORD@HOST/DB [--db PATH] [--dry-run]

Copies the SQLite database into PostgreSQL: accounts with their tokens (as stored: tokens
encrypted with the secret key stay encrypted, read them with the same key), gateway keys, admin
keys, cooldowns, quotas and usage. PostgreSQL's schema is brought up to date first. Rows go in
batches, each in one transaction; a row whose key PostgreSQL already has is left as it is, so a
second run copies nothing. Per table it prints the rows in SQLite, copied, already there, and a
checksum of the SQLite rows beside one of the same rows as PostgreSQL holds them; exit 1 when
they differ. The URL may come from BYOKEY_DATABASE_URL instead (kept out of the process list);
its password is never printed. Run it before instances on PostgreSQL take traffic.

Options:
      --to URL        PostgreSQL URL (default: $BYOKEY_DATABASE_URL)
      --db PATH       SQLite database (default ~/.byokey/byokey.db)
      --dry-run       Write nothing: show what would be copied, compare what is there
      --batch N       Rows per batch and transaction (default 1000)
      --json          Machine-readable output

Examples:
  BYOKEY_DATABASE_URL=postgres://byokey:secret@db.internal/byokey byokey migrate --dry-run
  byokey migrate --to postgres://byokey@127.0.0.1/byokey --db /var/lib/byokey/byokey.db`,
  status: `Usage: byokey status [--db PATH] [--json]

Shows whether a gateway runs (asked through the control socket beside the database) with its pid,
URL, version, uptime and config file, then one line per provider: how many accounts, the active
one, its kind (oauth or api_key), its token state (ok, expired, needs_login, refresh_failed), when
its access token expires and its last error. An account its provider gave up on (an ended tier, a
suspension) is shown as UNAVAILABLE with the reason and what to do, in red on a terminal.
claude, codex, copilot and gemini are listed even when not logged in. Reads the database directly,
so it works with or without a running gateway. Never prints a token.

Options:
      --db PATH   SQLite database (default ~/.byokey/byokey.db)
      --json      Machine-readable output (no tokens)

Examples:
  byokey status
  byokey status --json | jq '.providers[] | select(.active != null)'`,
  login: `Usage: byokey login <provider> [--account ID] [--label L] [--no-browser] [--idp google|github] [-c FILE] [--db PATH]

Logs in to a subscription and stores the account (kind oauth). Providers: claude, codex, gemini
(browser login: authorization code + PKCE), iflow (browser login without PKCE), copilot, qwen and
kimi (device code), kiro (AWS Builder ID, a device code; with --idp google or github, Kiro's own
browser login on port 9876); aliases such as anthropic, openai, chatgpt, google, github, alibaba and
moonshot work too. amp (browser login, port 19876) stores the Amp login byokey sends to ampcode.com
on the Amp calls it forwards; it needs providers.amp.oauth.client_id.

claude and codex: the authorize URL is always printed. A browser is opened too unless --no-browser
is given, on macOS ('open') or when DISPLAY or WAYLAND_DISPLAY is set ('xdg-open'). The login
finishes when the browser reaches the local callback (Claude port 54545, Codex 1455; change it with
providers.<id>.oauth.redirect_port); on another machine (SSH), paste the URL the browser was
redirected to, or the code it shows, on stdin instead.
iflow works the same way on port 11451; its API key, fetched after the login, is what is stored.
gemini: Gemini CLI's Google login (callback port 8085), then the account's Gemini Code Assist
project is found (a new account is set up on the free tier; providers.gemini.project_id wins).
With --no-browser, Google shows a code to paste here instead of redirecting to this machine.
copilot, qwen, kimi: print a URL and a code to enter there, then wait for the approval (a countdown
on a terminal). kimi names this machine by a device id kept in the data directory (kimi-device-id).
antigravity: a Google login in the browser like claude and codex (callback port 51121), then the
account's Code Assist project is found (or created by Google) and stored; providers.antigravity.project_id
names one instead. The account id is the Google email.

The config file's providers.<id>.oauth entries override the endpoints and the client id. The id is
the account's email (Claude, Gemini, iFlow) or ChatGPT account id (Codex) or the GitHub login
(Copilot), else 'default'; logging in again refreshes the same account. A provider's first account
becomes active. Tokens are never printed. Denied, timed-out or failed logins exit 1.

Options:
      --account ID   Store under this account id instead of the one the login names
      --label L      A name to show beside the id
      --no-browser   Only print the URL; never start a browser
      --idp NAME     kiro only: google or github instead of AWS Builder ID
  -c, --config FILE  Config file (default: the usual config path, if it exists)
      --db PATH      SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey login claude
  byokey login openai --no-browser --account work     (over SSH: paste the redirected URL)
  byokey login copilot --label "GitHub work"
  byokey login qwen
  byokey login gemini --no-browser                   (paste the code Google shows)
  byokey login kiro --idp github`,
  accounts: `Usage: byokey accounts <provider> [--db PATH] [--json]

Lists a provider's accounts, one a line: id, [label], (active), kind, token state, expiry, last error.

Options:
      --db PATH   SQLite database (default ~/.byokey/byokey.db)
      --json      Machine-readable output (no tokens)

Examples:
  byokey accounts claude
  byokey accounts openai --json`,
  switch: `Usage: byokey switch <provider> <account> [--db PATH]

Makes <account> the provider's active account. An unknown account exits 1 and lists the existing ones.
An account marked unavailable (its provider said it no longer works) is tried again: the mark goes.

Options:
      --db PATH   SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey switch claude claude-code
  byokey switch openai api-key-2`,
  logout: `Usage: byokey logout <provider> [--account ID] [--db PATH]

Removes an account's stored credentials from byokey (the active account when --account is not given;
tokens are not revoked upstream). When the active account goes, the most recently updated other
account becomes active, and the command says which. Exits 1 when there is nothing to remove.

Options:
      --account ID   The account to remove (default: the active one)
      --db PATH      SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey logout claude
  byokey logout codex --account codex-cli`,
  'add-api-key': `Usage: byokey add-api-key <provider> <key|-> [--account ID] [--label L] [--db PATH]

Stores a static API key as an account of kind api_key (it does not expire). Pass '-' to read the key
from stdin (trimmed), which keeps it out of your shell history and the process list. Keys that are
empty, longer than 4096 bytes or contain whitespace are rejected (exit 2). Without --account the id
is 'api-key', or 'api-key-2', 'api-key-3'… when taken, so another key is added, never overwritten;
--account naming an existing API-key account replaces its key. The key is only shown masked.
A provider's first account becomes active; switch to later ones with 'byokey switch'.

Options:
      --account ID   Account id (default api-key, api-key-2, …)
      --label L      A name to show beside the id
      --db PATH      SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey add-api-key claude -          (then paste the key and press Ctrl-D)
  echo "$OPENAI_API_KEY" | byokey add-api-key openai - --label work
  byokey add-api-key codex - --account team < key.txt`,
  'import-claude-code': `Usage: byokey import-claude-code [--account ID] [--label L] [--file PATH] [--db PATH]

Copies Claude Code's OAuth login (access token, refresh token, expiry) into byokey as an oauth
account of provider claude. Reads --file when given; else on macOS the keychain item
'Claude Code-credentials' (when the 'security' tool exists); else $CLAUDE_CONFIG_DIR/.credentials.json
or ~/.claude/.credentials.json. Importing again refreshes the same account. Never prints the tokens.

Options:
      --account ID   Account id (default claude-code)
      --label L      A name to show beside the id (default "Claude Code")
      --file PATH    The credentials JSON to read
      --db PATH      SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey import-claude-code
  byokey import-claude-code --file ~/backup/.credentials.json --account work`,
  'import-kiro': `Usage: byokey import-kiro [--account ID] [--label L] [--file PATH] [--db PATH]

Copies the Kiro IDE's login into byokey as an oauth account of provider kiro. Reads --file, else
~/.aws/sso/cache/kiro-auth-token.json; a Builder ID login also needs the client file the IDE keeps
beside it (<clientIdHash>.json). The account id is builder-id, google or github. Kiro rotates refresh
tokens: after importing, use the login in byokey or in the IDE, not both. Never prints the tokens.

Options:
      --account ID   Account id (default: builder-id, google or github)
      --label L      A name to show beside the id
      --file PATH    The token JSON to read
      --db PATH      SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey import-kiro
  byokey import-kiro --file ./kiro-auth-token.json --account work`,
  'import-codex': `Usage: byokey import-codex [--account ID] [--label L] [--file PATH] [--db PATH]

Copies Codex CLI's ChatGPT login into byokey as an oauth account of provider codex: access, refresh
and id tokens and the ChatGPT account id (from the file, else from the id token). The expiry comes
from the access token. Reads --file, else $CODEX_HOME/auth.json (default ~/.codex/auth.json).
A file in API-key mode is refused: store the key with 'byokey add-api-key codex -' instead.

Options:
      --account ID   Account id (default codex-cli)
      --label L      A name to show beside the id (default "Codex CLI")
      --file PATH    The auth.json to read
      --db PATH      SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey import-codex
  CODEX_HOME=/srv/codex byokey import-codex --account shared`,
  amp: `Usage: byokey amp inject [--url URL] [--undo] [--settings-file PATH] [-c FILE]

Points Amp CLI at this byokey: sets amp.url in Amp's user settings (~/.config/amp/settings.json,
or settings.jsonc when only that exists) to --url, else amp.settings["amp.url"] of the config, else
http://<host>:<port> of the config; the other keys of amp.settings are set too. Every other key,
comment and line of the file stays as it was. Before the first change the file is copied to
<file>.byokey-backup. Amp's model calls then run on your subscriptions through byokey; the rest of
Amp's API is forwarded to Amp with the 'byokey login amp' account or amp.upstream_key.

--undo puts amp.url and the amp.settings keys back as the backup has them (removing those it did
not have) and deletes the backup. A settings file that is not a JSON object is left alone (exit 1).

Options:
      --url URL             The address Amp should use (http or https)
      --undo                Restore the keys from the backup
      --settings-file PATH  Amp's settings file to edit
  -c, --config FILE         Config file (default: the usual config path, if it exists)

Examples:
  byokey amp inject
  byokey amp inject --url http://gateway.lan:8018
  byokey amp inject --undo`,
  'import-gemini-cli': `Usage: byokey import-gemini-cli [--account ID] [--label L] [--file PATH] [--db PATH]

Copies Gemini CLI's Google login into byokey as an oauth account of provider gemini: access and
refresh tokens and the expiry. Reads --file, else ~/.gemini/oauth_creds.json. The account id is
the email in the file's id token, else gemini-cli. The Gemini Code Assist project is found on the
first request (or set providers.gemini.project_id). Never prints the tokens.

Options:
      --account ID   Account id (default: the login's email, else gemini-cli)
      --label L      A name to show beside the id (default "Gemini CLI")
      --file PATH    The oauth_creds.json to read
      --db PATH      SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey import-gemini-cli
  byokey import-gemini-cli --file /srv/gemini/oauth_creds.json --account shared`,
  keys: `Usage: byokey keys create|list|revoke|rotate [options]

Gateway keys: once any key exists (a revoked one too), every inference and model-list request
needs one, sent as Authorization: Bearer, x-api-key, x-goog-api-key or ?key=. A key is shown
once, when it is created or rotated (alone on stdout); byokey keeps only its hash.

  keys create --name N [--models GLOB…] [--rpm N] [--budget USD [--period day|month]] [--expires WHEN]
  keys list [--json]          id, name, masked key, state, limits, spend this period
  keys revoke <id|name>       refused from now on (kept, so usage still names it)
  keys rotate <id|name>       a new secret for the same key; the old one stops working

Options:
      --name NAME        A name to tell the key by (unique among keys not revoked)
      --models GLOB      Models it may use, as clients name them (claude-*, gpt-5*); repeat or
                         separate with commas; default all
      --rpm N            Requests per minute
      --budget USD       Spend per period at API prices, then 429 until the period ends
      --period PERIOD    day or month (UTC; default month)
      --expires WHEN     2026-12-31 (through that UTC day), an ISO date-time, or 30d / 12h
      --json             Machine-readable output
      --db PATH          SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey keys create --name laptop
  byokey keys create --name ci --models 'claude-*' --rpm 60 --budget 5 --period day --expires 90d
  byokey keys list
  byokey keys rotate laptop
  byokey keys revoke key_3f9a2c1b5d7e`,
  config: `Usage: byokey config check [-c FILE]

Validates a config file the way 'serve' loads it, without starting anything. A problem is printed
as FILE:LINE: field: what is wrong, and exits 1. A valid file prints one summary line (providers,
upstreams, how many keys — never their values) and exits 0; unknown keys and a config file others
can read are printed as warnings. Without -c the usual config path is checked; when it does not
exist, byokey runs on built-in defaults and that is fine.

Options:
  -c, --config FILE   Config file (default: the usual config path)

Examples:
  byokey config check
  byokey config check -c ./config.yaml && systemctl --user restart byokey`,
  completions: `Usage: byokey completions bash|zsh|fish

Prints a completion script for the shell: commands, their options, provider names after login,
logout, accounts, switch and add-api-key, and file names after -c/--config, --db and other
FILE or PATH options.

Examples:
  source <(byokey completions bash)                      (add it to ~/.bashrc)
  byokey completions zsh > "\${fpath[1]}/_byokey"          (then restart zsh)
  byokey completions fish > ~/.config/fish/completions/byokey.fish`,
  openapi: `Usage: byokey openapi

Prints the OpenAPI 3.1 document of every endpoint the gateway serves (the same document a running
gateway answers at GET /openapi.json), built from the request schemas the endpoints validate with.

Examples:
  byokey openapi > byokey-openapi.json
  curl -s http://127.0.0.1:8018/openapi.json | jq '.paths | keys'`,
  doctor: `Usage: byokey doctor [-c FILE] [--db PATH]

Checks what a working gateway needs and prints one line per check (✓ passed, ✗ failed, – nothing
to check), then exits 1 when any failed:
  config    the config file is valid (as 'byokey config check')
  database  the database (or its folder, before the first login) is writable, and the file is mode 0600
  port      the configured port is free, or held by byokey (asked through the control socket,
            else GET / on the port)
  account   each account's token state, in the words of 'byokey status'; an expired access token
            with a refresh token passes (it is refreshed on next use)
  clock     this clock against the newest issue time (iat) of the accounts' JWT access tokens: a
            token issued more than 5 minutes in the future means this clock is behind
Never prints a token or a key.

Options:
  -c, --config FILE   Config file (default: the usual config path)
      --db PATH       SQLite database (default ~/.byokey/byokey.db)

Examples:
  byokey doctor
  byokey doctor -c /etc/byokey/config.yaml --db /var/lib/byokey/byokey.db`,
  service: `Usage: byokey service install [--user | --system] [-c FILE] [-p PORT] [--print]
       byokey service uninstall|start|stop|status [--user | --system]

Runs 'byokey serve' under the system's service manager, restarted when it fails.
Linux: a systemd unit. The user unit (default) is $XDG_CONFIG_HOME/systemd/user/byokey.service
(~/.config/...): it runs as you, with your config and database, from when you log in (run
'sudo loginctl enable-linger $USER' to keep it running when you are logged out). --system (as root)
writes /etc/systemd/system/byokey.service: it runs at boot as the account 'byokey' (created if
missing), reads /etc/byokey/config.yaml (a copy of -c FILE, else a minimal one) and keeps its
database in /var/lib/byokey. Both units are sandboxed (read-only system and home, private /tmp,
no new privileges) with write access to the data folder only.
macOS: a launchd agent ~/Library/LaunchAgents/io.byokey.server.plist, loaded into your login
session; logs go to ~/.byokey/logs/service.log.
Windows: not managed by byokey; the command prints how to use NSSM or Task Scheduler and exits 1.

The service runs this same executable (the compiled byokey, or bun with this script) with the
config file byokey uses now (or -c FILE) and -p PORT. When server.max_upstream_requests is over 240,
the unit also sets BUN_CONFIG_MAX_HTTP_REQUESTS, which the runtime reads only at start: install
again after raising it. 'systemctl reload byokey' (SIGHUP) re-reads the config.

Actions:
  install     Write the unit (or agent), enable it and start it; again to update it
  uninstall   Stop and disable it and remove the unit (config and database stay)
  start/stop  Start or stop the installed service
  status      The service manager's view (exit 0 running, 3 stopped or not installed)

Options:
      --user         A service of your user (the default)
      --system       A system service (Linux, as root)
  -c, --config FILE  The config file the service uses
  -p, --port PORT    Listen port, overriding the config
      --print        Print the unit (or plist) instead of installing it

Examples:
  byokey service install
  byokey service install -c ~/byokey.yaml -p 9000
  byokey service install --print > byokey.service
  sudo byokey service install --system -c ./config.yaml
  byokey service status
  byokey service uninstall`,
  version: `Usage: byokey version

Prints the version. Same as byokey --version.`,
}
