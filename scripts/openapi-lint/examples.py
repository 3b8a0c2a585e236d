"""Every JSON request and success response body in openapi.yaml shows an example, and every
error status of an operation shows an answer of its own (no two statuses share one, and each
example's `status` is the status it is shown under)."""
import sys
import yaml

doc = yaml.safe_load(open(sys.argv[1] if len(sys.argv) > 1 else "openapi.yaml"))
schemas = doc["components"]["schemas"]


def resolve(s):
    seen = 0
    while "$ref" in s and seen < 20:
        s = schemas[s["$ref"].split("/")[-1]]
        seen += 1
    return s


def exemplified(s, depth=0):
    """A schema shows an example when it has one, or when everything it is made of does."""
    if depth > 12:
        return True
    s = resolve(s)
    if "example" in s or "examples" in s:
        return True
    for key in ("allOf", "oneOf", "anyOf"):
        if key in s:
            parts = [p for p in s[key] if resolve(p).get("type") != "null"]
            return all(exemplified(p, depth + 1) for p in parts)
    types = s.get("type")
    types = types if isinstance(types, list) else [types]
    if "array" in types:
        return exemplified(s.get("items", {}), depth + 1)
    if "object" in types or "properties" in s:
        props = s.get("properties", {})
        if not props:
            return True  # free-form maps
        return all(exemplified(p, depth + 1) for p in props.values())
    if "enum" in s or "const" in s or "boolean" in types:
        return True  # the values are the example
    if "format" in s and s["format"] in ("date-time", "date", "uuid", "email", "uri", "int64", "int32", "double", "float"):
        return True
    if types == ["integer"] or types == ["number"] or set(types) <= {"integer", "null"} or set(types) <= {"number", "null"}:
        return True
    return False


def missing(s, path, depth=0, out=None):
    out = [] if out is None else out
    if depth > 12:
        return out
    s = resolve(s)
    if "example" in s or "examples" in s:
        return out
    for key in ("allOf", "oneOf", "anyOf"):
        if key in s:
            for p in s[key]:
                missing(p, path, depth + 1, out)
            return out
    if "items" in s:
        return missing(s["items"], path + "[]", depth + 1, out)
    if "properties" in s:
        for k, p in s["properties"].items():
            missing(p, path + "." + k, depth + 1, out)
        return out
    if not exemplified(s):
        out.append(path)
    return out


problems = []
for path, ops in doc["paths"].items():
    for method, op in ops.items():
        if method not in ("get", "post", "put", "patch", "delete"):
            continue
        bodies = []
        if "requestBody" in op:
            bodies.append(("request", op["requestBody"]))
        for code, resp in op["responses"].items():
            if str(code).startswith("2") and "$ref" not in resp:
                bodies.append((code, resp))
        for where, body in bodies:
            for ctype, media in body.get("content", {}).items():
                if "json" not in ctype or "example" in media or "examples" in media:
                    continue
                for m in missing(media.get("schema", {}), ""):
                    problems.append(f"{method.upper()} {path} {where} {ctype}: no example for {m or 'body'}")


def response_examples(resp):
    """The examples an answer shows, per media type: its own, else its schema's."""
    if "$ref" in resp:
        resp = doc["components"]["responses"][resp["$ref"].split("/")[-1]]
    shown = []
    for ctype, media in resp.get("content", {}).items():
        if "example" in media:
            shown.append(media["example"])
        elif "examples" in media:
            shown.extend(e.get("value") for e in media["examples"].values())
        elif "schema" in media:
            schema = resolve(media["schema"])
            if "example" in schema:
                shown.append(schema["example"])
    return shown


for path, ops in doc["paths"].items():
    for method, op in ops.items():
        if method not in ("get", "post", "put", "patch", "delete"):
            continue
        seen = {}
        for code, resp in op["responses"].items():
            if not str(code)[0] in "45":
                continue
            for example in response_examples(resp):
                key = yaml.safe_dump(example, sort_keys=True)
                if key in seen:
                    problems.append(f"{method.upper()} {path}: {seen[key]} and {code} show the same example")
                seen[key] = code
                status = example.get("status") if isinstance(example, dict) else None
                if status is not None and str(status) != str(code):
                    problems.append(f"{method.upper()} {path} {code}: its example says status {status}")
for p in sorted(set(problems)):
    print(p)
print(f"{len(set(problems))} unexemplified fields or shared error examples", file=sys.stderr)
sys.exit(1 if problems else 0)
