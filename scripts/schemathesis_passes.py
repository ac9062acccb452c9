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
# while the seeded tickets and changes are still where moves start. Editing
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
    ("admin", "admin@majenekab.go.id", r"^/(?!api/v1/(users/\{id\}$|tickets|changes|change-templates|freeze-windows|reports))"),
    ("admin-desk", "admin@majenekab.go.id", r"^/api/v1/(tickets|changes|change-templates|freeze-windows|reports)"),
    ("accounts", "admin@majenekab.go.id", r"^/api/v1/users/\{id\}$"),
    ("creators", "admin@majenekab.go.id", r"^/api/v1/(changes|units|users)$"),
]

# How the passes share one server: the lanes of a stage run at once, the
# passes of a lane one after the other, and a stage starts when the one
# before has ended. The role passes first, each lane with passes whose
# callers and records the other lane's passes leave alone (a move the other
# lane made first is a 409, which a valid request may get). The admin pass
# passes after them, as they may deactivate the units and services the
# others file under and edit the calendars their clocks run on; the admin's
# work is split in two passes (the desk's records, and the rest), and the
# accounts pass goes beside them, as it edits only users, and never the
# admin (see `prepare`).
LANES = {
    "1": ["movers", "tier1", "reporter"],
    "2": ["tier2", "approver", "creators"],
    "3": ["admin"],
    "4": ["admin-desk", "accounts"],
}
STAGES = [["1", "2"], ["3", "4"]]


def lane(name):
    """The passes of a lane, as (role, paths)."""
    paths = {role: regex for role, _, regex in PASSES}
    return [(role, paths[role]) for role in LANES[name]]


# Passes that send only bodies the document says are valid, with real ids
# always: the broad passes try creation mostly with bodies the server must
# refuse, and a valid change needs several fields right at once (its type,
# a template or a service, real units), which random bodies seldom are.
POSITIVE_PASSES = {"movers", "creators"}

# Passes that run the coverage phase (each parameter's boundary and
# just-invalid values, missing headers and auth, unlisted methods): the
# admin's, whose roles reach every operation's validation, and so cover
# every path; the other roles' passes are about what each role may do and
# reach, which the fuzzing and stateful phases try, and would only repeat
# the same fixed values against refusals.
COVERAGE_PASSES = {"admin", "admin-desk", "accounts"}

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

# What `negative_data_rejection` takes as a refusal of an invalid request:
# Schemathesis's own default, and 412 where the operation takes `If-Match`.
# RFC 9110 (13.2.1) evaluates preconditions before the request's content,
# as the server does: a stale tag is 412 whatever the body holds.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]

# ... and, per operation, the refusals of rules OpenAPI cannot state, each
# said in the operation's or field's description. 412 for every operation
# that takes `If-Match` (read from the document): a well-formed tag may name
# no current version. 415 where a file's type is judged from its bytes.
# (No 422 for a list's `cursor`: the passes send it empty, which asks for
# the first page; see `write_config`.)
UNSUPPORTED_BEYOND_SCHEMA = {
    "POST /api/v1/tickets/{id}/attachments": "the file's type, judged from its bytes, is one the service accepts",
    "POST /api/v1/knowledge/articles/{id}/attachments": "an image (PNG, JPEG, GIF, WebP) or a PDF, judged from its bytes",
}

# And 422 for these: per operation, the rules no schema can state, each as
# the words the served document must say them in (in the operation's
# summary or description, a parameter's, a 422 answer's, or a field's of
# its request body, nested schemas included). `prepare` fails when one is
# missing, so an entry here is never a bare allowance: the document tells
# a client the same rule the server enforces. Rules a schema can express
# (enums, ranges, formats, lengths) are in the schema, not here.
INVALID_BEYOND_SCHEMA = {
    # Records named in the body must exist (and be active): no schema knows which do.
    "POST /api/v1/tickets": ["An active service (422 otherwise)", "an active user of `unit_id`",
                             "Give `reporter_id` or `reporter`, not both", "Only with `external_ref` (422 otherwise)",
                             "same key, other body: 422"],
    "PATCH /api/v1/tickets/{id}": ["An active service (422 otherwise)"],
    "POST /api/v1/tickets/{id}/assign": ["An active tier-1 technician of the ticket's unit (tier 1) or tier-2 engineer "
                                         "(tier 2) (422 otherwise)"],
    "POST /api/v1/tickets/{id}/start": ["the caller cannot hold the ticket it would take"],
    "POST /api/v1/tickets/{id}/linked-tickets": ["the ticket in the path must be a problem, 422 otherwise",
                                                 "422 for another type"],
    "POST /api/v1/tickets/{id}/raise-change": ["The ticket's service and unit must still be active (422 otherwise)"],
    # Articles named in a resolution or a link must be published and readable by the caller.
    "POST /api/v1/tickets/{id}/resolve": ["A published article the caller may read (422 otherwise)"],
    "POST /api/v1/tickets/{id}/knowledge-links": ["A published article the caller may read (422 otherwise)"],
    "POST /api/v1/tickets/{id}/known-error-article": ["not a problem, or its service is inactive"],
    "POST /api/v1/changes": ["an active one: required for a standard change, refused for any other (422)",
                             "active ones, at least one (422 otherwise)",
                             "A Perangkat Daerah raises changes for itself (422 otherwise)",
                             "each one the caller may read (422 otherwise)", "same key, other body: 422"],
    "PATCH /api/v1/changes/{id}": ["Active services (422 otherwise)", "which follows its template (422)"],
    "POST /api/v1/changes/{id}/request-approval": ["needs the risk assessment and the plans (422)"],
    "POST /api/v1/changes/{id}/schedule": ["at most 31 days after it (422 otherwise)", "Not in the past (422 otherwise)"],
    "POST /api/v1/changes/{id}/review": ["at least one after a failed or rolled-back change (422 otherwise)",
                                         "The user who owns the action: an active one (422 otherwise)"],
    "POST /api/v1/changes/{id}/tickets": ["A ticket the caller may read (422 otherwise)"],
    "POST /api/v1/changes/{id}/approvals": ["and only with it (422 otherwise)", "when rejecting (422 otherwise)",
                                           "one the change's round still needs (422 otherwise"],
    "GET /api/v1/changes/{id}/conflicts": ["`from` and `to` both or neither (422 otherwise)",
                                           "at most 31 days after it (422 otherwise)",
                                           "422 when the change has none"],
    "GET /api/v1/changes/schedule": ["at most 400 days after it (422 otherwise)"],
    "GET /api/v1/reports/changes": ["after `from` when both are given (422 otherwise)"],
    "GET /api/v1/reports/sla": ["after `from` when both are given (422 otherwise)"],
    "GET /api/v1/audit/export": ["after `from` when both are given (422 otherwise)"],
    "POST /api/v1/change-templates": ["An active service (422 otherwise)"],
    "PUT /api/v1/change-templates/{id}": ["An active service (422 otherwise)"],
    "POST /api/v1/freeze-windows": ["at most 366 days after it (422 otherwise)", "both or neither: 422 otherwise",
                                    "after `daily_start` (422 otherwise)", "an existing one (422 otherwise)"],
    "PUT /api/v1/freeze-windows/{id}": ["at most 366 days after it (422 otherwise)", "both or neither: 422 otherwise",
                                        "after `daily_start` (422 otherwise)", "an existing one (422 otherwise)"],
    "POST /api/v1/calendars": ["After `start` (422 otherwise)", "do not overlap (422 otherwise)",
                               "Working hours on at least one day (422 otherwise)",
                               "Special schedules do not overlap (422 otherwise)"],
    "PUT /api/v1/calendars/{id}": ["After `start` (422 otherwise)", "do not overlap (422 otherwise)",
                                   "Working hours on at least one day (422 otherwise)",
                                   "Special schedules do not overlap (422 otherwise)"],
    "GET /api/v1/calendars/{id}/due": ["at most 120 000 business minutes, 260 business days or 8 760 calendar hours",
                                       "in the years 1970 to 2200 (422 otherwise)"],
    "POST /api/v1/units": ["an existing one (422 otherwise)"],
    "PATCH /api/v1/units/{id}": ["An existing calendar (422 otherwise)"],
    "POST /api/v1/users": ["An active unit (422 otherwise)", "only in the Dinas (422 otherwise)"],
    "PATCH /api/v1/users/{id}": ["An active unit (422 otherwise)", "must fit the user's unit (422 otherwise)"],
    "POST /api/v1/api-keys": ["an active one (422 otherwise)"],
    "POST /api/v1/services": ["and absent for every other platform (422 otherwise)", "an active unit (422 otherwise)",
                              "an existing one (422 otherwise)"],
    "PATCH /api/v1/services/{id}": ["exactly when the platform is one (422 otherwise)", "An active unit (422 otherwise)"],
    "POST /api/v1/webhooks": ["as its name resolves now) unless allowed (422 otherwise)",
                              "its own unit (422 for another)"],
    "PATCH /api/v1/webhooks/{id}": ["as its name resolves now) unless allowed (422 otherwise)"],
    "PUT /api/v1/me/notice-preferences": ["Essential notices cannot be turned off", "refused with 422"],
    "POST /api/v1/me/password": ["The current password (422 when it is not)"],
    "GET /api/v1/notifications/preview": ["which renders for a ticket (422 otherwise)"],
    "POST /api/v1/knowledge/articles": ["an active service (422 otherwise)", "an active unit (422 otherwise)",
                                        "A Perangkat Daerah writes articles for itself (422 otherwise)",
                                        "only the Dinas writes for the Dinas's audience (422 otherwise)",
                                        "each keyword is 1 to 40 characters of letters, digits, spaces or '-' "
                                        "(422 otherwise)", "same key, other body: 422",
                                        "no `attachment:` reference yet (422 otherwise)"],
    "PATCH /api/v1/knowledge/articles/{id}": ["An active service (422 otherwise)",
                                              "Only the Dinas writes for the Dinas's audience (422 otherwise)",
                                              "only files on the article's draft (422 otherwise)",
                                              "each keyword is 1 to 40 characters of letters, digits, spaces or '-' "
                                              "(422 otherwise)"],
    "GET /api/v1/knowledge/search": ["not blank (422 otherwise)"],
    "GET /api/v1/knowledge/suggest": ["not blank (422 otherwise)"],
    "POST /api/v1/knowledge/articles/{id}/flags": ["not blank (422 otherwise)"],
    "POST /api/v1/assets": ["letters, digits, '.', '-', '/', at most 64 (422 otherwise)",
                            "a Perangkat Daerah registers its own assets only (422 otherwise)",
                            "an existing service (422 otherwise)",
                            "an attribute the kind does not have, or a value of the wrong type, is 422",
                            "same key, other body: 422"],
    "PATCH /api/v1/assets/{id}": ["As on creation (422 otherwise)", "those of the asset's kind only (422 otherwise)"],
    "POST /api/v1/assets/{id}/relations": ["one the caller sees, not this asset (422 otherwise)"],
    "GET /api/v1/reports/knowledge": ["after `from`, within 36 WITA calendar months of it (422 otherwise)",
                                      "an existing unit (422 otherwise)", "an existing service (422 otherwise)"],
}


def operation_texts(document, name):
    """Everything the document says of an operation in words, as one string."""
    method, path = name.split(" ", 1)
    operation = document["paths"][path][method.lower()]
    texts = [operation.get("summary", ""), operation.get("description", "")]
    texts += [parameter.get("description", "") for parameter in operation.get("parameters", [])]
    texts += [answer.get("description", "") for status, answer in operation["responses"].items() if status == "422"]
    seen = set()

    def walk(schema):
        if isinstance(schema, list):
            for item in schema:
                walk(item)
        if not isinstance(schema, dict):
            return
        reference = schema.get("$ref", "")
        if reference.startswith("#/components/schemas/") and reference not in seen:
            seen.add(reference)
            walk(document["components"]["schemas"][reference.rsplit("/", 1)[1]])
        if isinstance(schema.get("description"), str):
            texts.append(schema["description"])
        for value in schema.values():
            if isinstance(value, (dict, list)):
                walk(value)

    walk(operation.get("requestBody", {}))
    return " ".join(" ".join(texts).split())


def unstated_rules(document):
    """The INVALID_BEYOND_SCHEMA words the served document does not say, per operation."""
    missing = {}
    for name, phrases in INVALID_BEYOND_SCHEMA.items():
        text = operation_texts(document, name).lower()
        absent = [phrase for phrase in phrases if " ".join(phrase.split()).lower() not in text]
        if absent:
            missing[name] = absent
    return missing


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
            if name in INVALID_BEYOND_SCHEMA:
                extra.setdefault(name, set()).add("422")
            if name in UNSUPPORTED_BEYOND_SCHEMA:
                extra.setdefault(name, set()).add("415")
    unknown = (set(INVALID_BEYOND_SCHEMA) | set(UNSUPPORTED_BEYOND_SCHEMA)) - {
        f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}
    if unknown:
        sys.exit(f"BEYOND_SCHEMA lists name operations the document does not have: {sorted(unknown)}")
    unstated = unstated_rules(document)
    if unstated:
        sys.exit("INVALID_BEYOND_SCHEMA names rules the document does not state:\n"
                 + "\n".join(f"  {name}: {phrases}" for name, phrases in sorted(unstated.items())))
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
                     examples_of(name, int(examples)), extra, positive=name in POSITIVE_PASSES,
                     coverage=name in COVERAGE_PASSES)
    print(f"seeded {len(tickets)} tickets and {len(changes)} changes; passes: {', '.join(p[0] for p in PASSES)}")


def examples_of(name, examples):
    """MAX_EXAMPLES for the positive passes, which carry the success paths;
    half for the broad ones, whose operations three or four passes fuzz
    (each role's, and the admin's), so that the run fits its time."""
    return examples if name in POSITIVE_PASSES else max(1, examples // 2)


def toml_list(values):
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def write_config(path, token, dictionaries, examples, extra, positive=False, coverage=True):
    # Real ids most of the time; the rest stay generated, so 404 paths are
    # still exercised (but in the positive passes).
    probability = 1.0 if positive else 0.8

    def bind(dictionary):
        return f'{{ dictionary = "{dictionary}", probability = {probability} }}'

    lines = [f'generation.max-examples = {examples}\n']
    if positive:
        # The coverage phase sends fixed values, not the dictionaries.
        lines.append('generation.mode = "positive"\n')
    if positive or not coverage:
        lines.append('phases.coverage.enabled = false\n')
    lines.append(f'[auth.openapi.bearer]\nbearer = "{token}"\n')
    for name, values in dictionaries.items():
        lines.append(f"[dictionaries.{name}]\nvalues = {toml_list(values)}\n")
    lines.append("[parameters]")
    # A list's cursor is sealed by the server (tamper-evident): any string a
    # fuzzer makes up is forged, and 422 is the right answer to it, which
    # the API's own tests pin. So the passes never make one up: they send
    # the empty cursor, which asks for the first page (a fixed value, so in
    # every phase), and a valid request to a list is never refused.
    lines.append('"query.cursor" = ""')
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
        rejected = REJECTED + ["412"] if "412" in statuses else REJECTED
        lines.append(f"[[operations]]\ninclude-name = {json.dumps(name)}\n"
                     f"checks.positive_data_acceptance.expected-statuses = {toml_list(ACCEPTED + sorted(statuses))}\n"
                     f"checks.negative_data_rejection.expected-statuses = {toml_list(rejected)}\n")
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
    followed = followed_links(out_dir)
    print(f"{len(succeeded)} operations answered 2xx at least once")
    print(f"the stateful phase moved what it created: {len(followed)} times "
          f"({', '.join(sorted({f'{c} -> {u}' for c, u in followed})[:6]) or 'never'})")
    for op in MUST_SUCCEED:
        print(f"  {succeeded.get(op, 0):5}  {op}")
    if not any(creation in LIFE_CYCLES and use in LIFE_CYCLES[creation] for creation, use in followed):
        print("the stateful phase never moved a ticket or change it had created by the document's links",
              file=sys.stderr)
        sys.exit(1)
    if missing:
        # Why they were refused, most common first: what to seed or bind.
        for op in missing:
            print(f"never carried out: {op}; refused as", file=sys.stderr)
            for (role, status, detail), n in sorted(refusals.get(op, {}).items(), key=lambda r: -r[1])[:8]:
                print(f"  {n:5}  {role}: {status} {detail}", file=sys.stderr)
        sys.exit(1)


# The creations whose life cycle the stateful phase must have followed by
# the document's links, and the moves that count as following it.
LIFE_CYCLES = {
    "POST /api/v1/tickets": {f"POST /api/v1/tickets/{{id}}/{move}" for move in
                             ["start", "pending", "escalate", "resolve", "assign", "comments", "close", "rating"]},
    "POST /api/v1/changes": {f"POST /api/v1/changes/{{id}}/{move}" for move in
                             ["submit", "assess", "request-approval", "cancel", "tickets"]},
}


def followed_links(out_dir):
    """(creation, use) for each request that used the id a creation earlier
    in the same pass answered with. Only the stateful phase does that: the
    other phases draw ids from the schema or the seeded dictionaries, which
    hold none created during the run."""
    followed = []
    for report in glob.glob(f"{out_dir}/reports/*/*.json"):
        created = {}
        for entry in json.load(open(report))["log"]["entries"]:
            request, response = entry["request"], entry["response"]
            key = operation_of(request["method"], request["url"])
            path = request["url"].split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
            parts = path.split("/")
            if len(parts) > 3 and parts[3] in created and key.count("{id}") == 1:
                followed.append((created[parts[3]], key))
            if request["method"] == "POST" and response["status"] == 201 and key in LIFE_CYCLES:
                try:
                    body = json.loads(response["content"].get("text") or "{}")
                except ValueError:
                    continue
                if isinstance(body, dict) and isinstance(body.get("id"), str):
                    created[body["id"]] = key
    return followed


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
