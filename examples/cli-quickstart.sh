#!/usr/bin/env bash
set -euo pipefail

# Sign in: asks for the email, the password and, when the account has MFA, the TOTP code.
# The session is kept in ~/.tessera/config ([default]; --profile NAME for others), mode 0600.
tessera login --url "$TESSERA_URL"
tessera whoami

# A key for a worker. Piped, a result is "field<TAB>value" lines (tables: tab-separated rows).
created=$(tessera auth create-key --name worker --scope translate:write --environment test)
id=$(awk -F'\t' '$1 == "id" { print $2 }' <<<"$created")
key=$(awk -F'\t' '$1 == "key" { print $2 }' <<<"$created")

tessera auth validate "$key"                  # the checksum offline, then Tessera
tessera auth list-keys --format json >keys.json
tessera auth rotate-key "$id" --grace-period-hours 1 --format json >rotated.json
tessera auth revoke-key "$id" --yes

# A mistyped key is refused offline, without a request: exit code 2
tessera auth validate tk_test_0dK2jVh7RmY3xQ9pLw4sZb6nTc8fGe1uA5Ko2q || echo "exit code $?"

# A service account for CI: its key file written with mode 0600, for the SDK or the CLI
tessera service-accounts create --name ci --scope translate:write --output ci-key.json
TESSERA_SERVICE_ACCOUNT_KEY=ci-key.json tessera whoami --format json >ci-whoami.json

tessera logout
