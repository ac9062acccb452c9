#!/usr/bin/env bash
# Generates a Python client from the OpenAPI document the tests wrote
# (target/tmp/openapi.json) with openapi-python-client, and checks what a
# front-end team needs of it: typed SLA targets, and one class per resource
# (pages reference their item class instead of copying it).
# Usage: scripts/generated_client.sh   (needs `pip install openapi-python-client`)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$out" && openapi-python-client generate --path "$OLDPWD/target/tmp/openapi.json" --meta none > generate.log 2>&1) || {
    cat "$out/generate.log" >&2
    exit 1
}
python3 - "$out" <<'PY'
import pathlib
import sys

models = next(pathlib.Path(sys.argv[1]).rglob("models"))
names = {p.stem for p in models.glob("*.py")}
problems = []
copies = sorted(n for n in names if "items_item" in n)
if copies:
    problems.append(f"item schemas copied into pages: {copies}")
for page, item in [("page_service_response", "ServiceResponse"), ("ticket_page", "TicketResponse")]:
    text = (models / f"{page}.py").read_text()
    if item not in text:
        problems.append(f"{page} does not use {item}")
for holder in ["priority_targets", "clock_view"]:
    text = (models / f"{holder}.py").read_text()
    if "TargetType" not in text:
        problems.append(f"{holder}: SLA targets are not typed")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"generated client: {len(names)} model classes, typed SLA targets, pages reference their items")
PY
