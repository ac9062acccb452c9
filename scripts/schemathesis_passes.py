#!/usr/bin/env python3
"""Prepare the Schemathesis passes of scripts/schemathesis.sh, and judge them.

`prepare BASE SEED_TXT OUT_DIR MAX_EXAMPLES`: log in as each role of the demo region,
file real tickets and changes through the API, and write one Schemathesis
config per pass (`OUT_DIR/<role>.toml`, a token and the real ids as
dictionaries), so generated requests reach the success paths of creating
and moving tickets and changes instead of only 404 and 422. Each config
also lists, per operation, the refusals a request the document calls valid
may still get (`positive_data_acceptance`): those of the rules the document
states only in words.

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


# What `positive_data_acceptance` expects of a request the document calls
# valid: Schemathesis's own default (a valid request may still name
# nothing, be refused to its caller, or meet a resource's state)...
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

# ... and, per operation, the refusals of rules OpenAPI cannot state, each
# said in the operation's or field's description. 412 for every operation
# that takes `If-Match` (read from the document): a well-formed tag may name
# no current version. 422 for every list with a `cursor` (read from the
# document): a cursor is sealed, so only the server's own are taken. 415
# where a file's type is judged from its bytes:
UNSUPPORTED_BEYOND_SCHEMA = {
    "POST /api/v1/tickets/{id}/attachments": "the file's type, judged from its bytes, is one the service accepts",
}

# And 422 for these, with why:
INVALID_BEYOND_SCHEMA = {
    # Records named in the body must exist (and be active): no schema knows which do.
    "POST /api/v1/tickets": "service_id, unit_id and reporter_id name active records; reporter_id or reporter, "
                            "not both, and a reporter reachable by mail or phone; external_source only with "
                            "external_ref; an Idempotency-Key reused for another body",
    "PATCH /api/v1/tickets/{id}": "service_id names an active service",
    "POST /api/v1/tickets/{id}/assign": "the assignee is an active technician of the ticket's tier and unit",
    "POST /api/v1/tickets/{id}/start": "starting an unassigned ticket takes it: the caller must be able to hold it",
    "POST /api/v1/tickets/{id}/linked-tickets": "the path names a problem, the body an incident or complaint",
    "POST /api/v1/tickets/{id}/raise-change": "the ticket's service and unit are still active",
    "POST /api/v1/changes": "template_id, service_ids, owner_unit_id and ticket_ids name active records; a standard "
                            "change comes from a template and only it; a Perangkat Daerah raises changes for "
                            "itself; an Idempotency-Key reused for another body",
    "PATCH /api/v1/changes/{id}": "service_ids name active services; a standard change follows its template",
    "POST /api/v1/changes/{id}/request-approval": "the change's risk and plans are written first",
    "POST /api/v1/changes/{id}/schedule": "planned_end after planned_start, at most 31 days on; not in the past",
    "POST /api/v1/changes/{id}/review": "follow-ups after a failed change; their owners are active users",
    "POST /api/v1/changes/{id}/tickets": "ticket_id names a ticket the caller may read",
    "POST /api/v1/changes/{id}/approvals": "unit_id with the owner_unit capacity only; a comment when rejecting; "
                                           "a capacity the change's round still needs",
    "GET /api/v1/changes/{id}/conflicts": "from and to both or neither, to after from, at most 31 days on; "
                                          "a change without a planned window needs them",
    "GET /api/v1/changes/schedule": "to after from, at most 400 days on",
    "GET /api/v1/reports/changes": "to after from",
    "GET /api/v1/reports/sla": "to after from",
    "GET /api/v1/audit/export": "to after from",
    "POST /api/v1/change-templates": "service_id names an active service",
    "PUT /api/v1/change-templates/{id}": "service_id names an active service",
    "POST /api/v1/freeze-windows": "to_date on or after from_date, at most 366 days on; daily_start and daily_end "
                                   "together, the end after the start; calendar_id names a calendar",
    "PUT /api/v1/freeze-windows/{id}": "as on creation",
    "POST /api/v1/calendars": "each interval ends after it starts, a day's do not overlap, some day has working "
                              "hours; special schedules end on or after they start and do not overlap",
    "PUT /api/v1/calendars/{id}": "as on creation",
    "GET /api/v1/calendars/{id}/due": "value within the bound of its unit; start in 1970-2200; working time ahead",
    "POST /api/v1/units": "calendar_id names a calendar",
    "PATCH /api/v1/units/{id}": "calendar_id names a calendar",
    "POST /api/v1/users": "unit_id names an active unit; the roles fit its kind",
    "PATCH /api/v1/users/{id}": "unit_id names an active unit; the roles fit its kind",
    "POST /api/v1/api-keys": "unit_id names an active unit",
    "POST /api/v1/services": "application_name exactly for application platforms; owner_unit_id, calendar_id and "
                             "sla_policy_id name active records",
    "PATCH /api/v1/services/{id}": "as on creation, of the service as it results",
    "POST /api/v1/webhooks": "the URL's host resolves to an address deliveries may reach, under the configured "
                             "scheme; unit_id names a unit, the key's own for a key",
    "PATCH /api/v1/webhooks/{id}": "the URL's host resolves to an address deliveries may reach",
    "PUT /api/v1/me/notice-preferences": "events the configured notice rules make essential cannot be opted out of",
    "POST /api/v1/me/password": "old_password is the caller's password",
    "GET /api/v1/notifications/preview": "template names a mail template of the service that renders for a ticket",
}


def expected_statuses(document):
    """Per operation (`METHOD /path`): the statuses beyond ACCEPTED a valid request may get."""
    extra = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            name = f"{method.upper()} {path}"
            parameters = operation.get("parameters", [])
            if any(p["in"] == "header" and p["name"] == "If-Match" for p in parameters):
                extra.setdefault(name, set()).add("412")
            if any(p["in"] == "query" and p["name"] == "cursor" for p in parameters):
                extra.setdefault(name, set()).add("422")
            if name in INVALID_BEYOND_SCHEMA:
                extra.setdefault(name, set()).add("422")
            if name in UNSUPPORTED_BEYOND_SCHEMA:
                extra.setdefault(name, set()).add("415")
    unknown = (set(INVALID_BEYOND_SCHEMA) | set(UNSUPPORTED_BEYOND_SCHEMA)) - {
        f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}
    if unknown:
        sys.exit(f"BEYOND_SCHEMA lists name operations the document does not have: {sorted(unknown)}")
    for name, statuses in extra.items():
        if any(status not in operation_responses(document, name) for status in statuses):
            sys.exit(f"{name} may answer {sorted(statuses)}, which its responses do not document")
    return extra


def operation_responses(document, name):
    method, path = name.split(" ", 1)
    return document["paths"][path][method.lower()]["responses"]


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
    extra = expected_statuses(call(base, "GET", "/api/v1/openapi.json"))
    for name, _, _ in PASSES:
        # A Perangkat Daerah raises changes for itself.
        owners = [me["unit_id"]] if name == "tier1" else dictionaries["units"]
        # Nobody edits their own account: a new password ends the pass's session.
        own_id = call(base, "GET", "/api/v1/me", tokens[name])["id"]
        users = [user for user in dictionaries["users"] if user != own_id]
        write_config(f"{out_dir}/{name}.toml", tokens[name], {**dictionaries, "owners": owners, "users": users},
                     int(examples), extra, positive=name in POSITIVE_PASSES)
    print(f"seeded {len(tickets)} tickets and {len(changes)} changes; passes: {', '.join(p[0] for p in PASSES)}")


def toml_list(values):
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def write_config(path, token, dictionaries, examples, extra, positive=False):
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
    for name, statuses in sorted(extra.items()):
        lines.append(f"[[operations]]\ninclude-name = {json.dumps(name)}\n"
                     f"checks.positive_data_acceptance.expected-statuses = {toml_list(ACCEPTED + sorted(statuses))}\n")
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
