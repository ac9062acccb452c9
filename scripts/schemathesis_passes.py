#!/usr/bin/env python3
"""Prepare the Schemathesis passes of scripts/schemathesis.sh, and judge them.

`prepare BASE SEED_TXT OUT_DIR MAX_EXAMPLES`: log in as each role of the demo region,
file real tickets and changes through the API, and write one Schemathesis
config per pass (`OUT_DIR/<role>.toml`, a token and the real ids as
dictionaries), so generated requests reach the success paths of creating
and moving tickets and changes instead of only 404 and 422.

`judge OUT_DIR`: read every pass's HAR report and fail unless the
operations that create and move tickets and changes answered 2xx at least
once; print how many operations succeeded at all.
"""
import glob
import json
import sys
import urllib.error
import urllib.request

# A pass: who runs it, and which paths it fuzzes. The movers run first,
# while the seeded tickets and changes are still where moves start; the
# admin passes run last: they may edit the other passes' users. Editing
# users has a pass of its own, whose caller cannot learn its own id (no
# /me, no user list), so it never changes its own password and ends its
# session.
PASSES = [
    ("movers", "tier1.bappeda@majenekab.go.id",
     r"^/api/v1/(tickets/\{id\}(/(start|pending|escalate|resolve))?|changes/\{id\}(/submit)?)$"),
    ("tier1", "tier1.bappeda@majenekab.go.id", r"^/api/v1/(tickets|changes|me|notifications)"),
    ("tier2", "tier2.irfan@majenekab.go.id", r"^/api/v1/(tickets|changes|reports)"),
    ("reporter", "fitriani@majenekab.go.id", r"^/api/v1/(tickets|me)"),
    ("approver", "approver@majenekab.go.id", r"^/api/v1/(changes|change-templates)"),
    ("admin", "admin@majenekab.go.id", r"^/(?!api/v1/users/\{id\}$)"),
    ("accounts", "admin@majenekab.go.id", r"^/api/v1/users/\{id\}$"),
    ("creators", "admin@majenekab.go.id", r"^/api/v1/(changes|units|users)$"),
]

# Passes that send only bodies the document says are valid, with real ids
# always: the broad passes try creation mostly with bodies the server must
# refuse, and a valid change needs several fields right at once (its type,
# a template or a service, real units), which random bodies seldom are.
POSITIVE_PASSES = {"movers", "creators"}

# Operations a run must have carried out at least once (2xx).
MUST_SUCCEED = [
    "POST /api/v1/tickets",
    "GET /api/v1/tickets/{id}",
    "PATCH /api/v1/tickets/{id}",
    "POST /api/v1/tickets/{id}/comments",
    "POST /api/v1/tickets/{id}/start",
    "POST /api/v1/tickets/{id}/pending",
    "POST /api/v1/tickets/{id}/escalate",
    "POST /api/v1/tickets/{id}/resolve",
    "GET /api/v1/tickets/{id}/events",
    "GET /api/v1/tickets/{id}/sla",
    "POST /api/v1/changes",
    "GET /api/v1/changes/{id}",
    "PATCH /api/v1/changes/{id}",
    "POST /api/v1/changes/{id}/submit",
    "POST /api/v1/units",
    "POST /api/v1/users",
]


def call(base, method, path, token=None, body=None, refusals_ok=False):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
    except urllib.error.HTTPError as refused:
        if refusals_ok:
            return None
        sys.exit(f"{method} {path}: {refused.code} {refused.read().decode()}")
    return json.loads(text) if text else None


def passwords(seed_txt):
    found = {}
    for line in open(seed_txt):
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "user":
            found[parts[1]] = parts[2]
    return found


def ids(page):
    return [item["id"] for item in page["items"]]


def prepare(base, seed_txt, out_dir, examples):
    known = passwords(seed_txt)
    tokens = {}
    for name, email, _ in PASSES:
        login = call(base, "POST", "/api/v1/auth/login", body={"email": email, "password": known[email]})
        tokens[name] = login["access_token"]
    admin, tier1 = tokens["admin"], tokens["tier1"]
    services = ids(call(base, "GET", "/api/v1/services?limit=200", admin))
    me = call(base, "GET", "/api/v1/me", tier1)
    tickets = []
    for n, kind in enumerate(["incident", "service_request", "incident", "change_request"] * 8):
        ticket = call(base, "POST", "/api/v1/tickets", tier1, {
            "type": kind, "title": f"Seeded for the fuzzer {n}", "description": "Printer and network",
            "service_id": services[n % len(services)], "impact": "medium", "urgency": "medium"})
        tickets.append(ticket["id"])
    # Half of them in progress (those tier 1 works on: some services go
    # straight to tier 2), so pending, resolve and escalate have work as
    # well as start, after earlier operations moved some on.
    for ticket in tickets[1::2]:
        call(base, "POST", f"/api/v1/tickets/{ticket}/start", tier1, {}, refusals_ok=True)
    changes = []
    for n in range(6):
        change = call(base, "POST", "/api/v1/changes", tier1, {
            "change_type": "normal", "reason": "Seeded for the fuzzer", "title": f"Upgrade {n}",
            "description": "Install version 2.4", "scope": "aplikasi", "owner_unit_id": me["unit_id"],
            "service_ids": [services[n]], "impact_analysis": "Down for 30 minutes",
            "implementation_plan": "Install", "test_plan": "Log in", "rollback_plan": "Restore the snapshot",
            "risk": {"users_affected": 20, "outage_needed": True, "rollback_possible": True, "tested": True,
                     "touches_special": False}})
        changes.append(change["id"])
    template = call(base, "POST", "/api/v1/change-templates", admin, {
        "service_id": services[0], "name": "Renew the TLS certificate", "scope": "keamanan",
        "title": "Certificate renewal", "description": "Yearly", "implementation_plan": "Install the new one",
        "test_plan": "Check HTTPS", "rollback_plan": "Install the old one"})
    dictionaries = {
        "templates": [template["id"]],
        "tickets": tickets,
        "changes": changes,
        "services": services,
        "units": ids(call(base, "GET", "/api/v1/units?limit=200", admin)),
        "users": ids(call(base, "GET", "/api/v1/users?limit=200", admin)),
        "calendars": ids(call(base, "GET", "/api/v1/calendars?limit=200", admin)),
        "policies": ids(call(base, "GET", "/api/v1/sla-policies?limit=200", admin)),
        "zones": ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"],
        "standard": ["standard"],
    }
    for name, _, _ in PASSES:
        # A Perangkat Daerah raises changes for itself.
        owners = [me["unit_id"]] if name == "tier1" else dictionaries["units"]
        # Nobody edits their own account: a new password ends the pass's session.
        own_id = call(base, "GET", "/api/v1/me", tokens[name])["id"]
        users = [user for user in dictionaries["users"] if user != own_id]
        write_config(f"{out_dir}/{name}.toml", tokens[name], {**dictionaries, "owners": owners, "users": users},
                     int(examples), positive=name in POSITIVE_PASSES)
    print(f"seeded {len(tickets)} tickets and {len(changes)} changes; passes: {', '.join(p[0] for p in PASSES)}")


def toml_list(values):
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def write_config(path, token, dictionaries, examples, positive=False):
    # Real ids most of the time; the rest stay generated, so 404 paths are
    # still exercised (but in the positive passes).
    probability = 1.0 if positive else 0.8

    def bind(dictionary):
        return f'{{ dictionary = "{dictionary}", probability = {probability} }}'

    lines = [f'generation.max-examples = {examples}\n']
    if positive:
        # The coverage phase sends fixed values, not the dictionaries.
        lines.append('generation.mode = "positive"\nphases.coverage.enabled = false\n')
    lines.append(f'[auth.openapi.bearer]\nbearer = "{token}"\n')
    for name, values in dictionaries.items():
        lines.append(f"[dictionaries.{name}]\nvalues = {toml_list(values)}\n")
    lines.append("[parameters]")
    if positive:
        # A valid change needs its type, template and services to agree,
        # which random bodies seldom do; a standard change from the real
        # template always does (the broad passes try the other types).
        lines.append('"body.change_type" = { dictionary = "standard", probability = 1.0 }')
    for field, dictionary in [
        ("service_id", "services"), ("service_ids[*]", "services"),
        ("unit_id", "units"), ("owner_unit_id", "owners"), ("template_id", "templates"), ("unit_ids[*]", "units"),
        ("assignee_id", "users"), ("owner_id", "users"), ("reporter_id", "users"),
        ("calendar_id", "calendars"), ("sla_policy_id", "policies"),
        ("ticket_id", "tickets"), ("ticket_ids[*]", "tickets"), ("time_zone", "zones"),
    ]:
        lines.append(f'"body.{field}" = {bind(dictionary)}')
    lines.append("")
    for prefix, dictionary in [
        ("tickets", "tickets"), ("changes", "changes"), ("services", "services"), ("units", "units"),
        ("users", "users"), ("calendars", "calendars"), ("sla-policies", "policies"),
    ]:
        lines.append(f"[[operations]]\ninclude-path-regex = '^/api/v1/{prefix}/\\{{id\\}}'\n"
                     f'parameters = {{ "path.id" = {bind(dictionary)} }}\n')
    # The operations the judge requires get more tries: a generated body is
    # valid only now and then, and one valid body is what is required.
    # (An operation's generation settings replace the pass's: repeat the mode.)
    mode = '"positive"' if positive else '"all"'
    lines.append(f"[[operations]]\ninclude-name = {toml_list(MUST_SUCCEED)}\n"
                 f"generation.max-examples = {examples * 4}\ngeneration.mode = {mode}\n")
    with open(path, "w") as out:
        out.write("\n".join(lines))


def judge(out_dir):
    succeeded, refusals = {}, {}
    for report in glob.glob(f"{out_dir}/reports/*/*.json"):
        role = report.split("/")[-2]
        for entry in json.load(open(report))["log"]["entries"]:
            status = entry["response"]["status"]
            key = operation_of(entry["request"]["method"], entry["request"]["url"])
            if 200 <= status < 300:
                succeeded[key] = succeeded.get(key, 0) + 1
            elif key in MUST_SUCCEED:
                reason = (role, status, problem_detail(entry["response"]))
                refusals.setdefault(key, {})
                refusals[key][reason] = refusals[key].get(reason, 0) + 1
    missing = [op for op in MUST_SUCCEED if op not in succeeded]
    print(f"{len(succeeded)} operations answered 2xx at least once")
    for op in MUST_SUCCEED:
        print(f"  {succeeded.get(op, 0):5}  {op}")
    if missing:
        # Why they were refused, most common first: what to seed or bind.
        for op in missing:
            print(f"never carried out: {op}; refused as", file=sys.stderr)
            for (role, status, detail), n in sorted(refusals.get(op, {}).items(), key=lambda r: -r[1])[:8]:
                print(f"  {n:5}  {role}: {status} {detail}", file=sys.stderr)
        sys.exit(1)


def problem_detail(response):
    """The first field error of a problem response, or its detail."""
    try:
        problem = json.loads(response["content"].get("text") or "{}")
    except ValueError:
        return "(not JSON)"
    errors = problem.get("errors") or []
    if errors:
        return f"{errors[0].get('field')}: {errors[0].get('message')}"[:120]
    return str(problem.get("detail", ""))[:120]


def operation_of(method, url):
    """`POST /api/v1/tickets/{id}/start` from a concrete URL."""
    path = "/" + url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
    parts = path.split("/")
    templated = []
    for n, part in enumerate(parts):
        if n >= 4 and len(part) == 36 and part.count("-") == 4:
            templated.append("{id}" if n == 4 else "{" + "sub" + "}")
        else:
            templated.append(part)
    return f"{method} {'/'.join(templated)}"


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(*sys.argv[2:6])
    elif sys.argv[1] == "judge":
        judge(sys.argv[2])
    else:
        sys.exit("usage: schemathesis_passes.py prepare BASE SEED_TXT OUT_DIR MAX_EXAMPLES | judge OUT_DIR")
