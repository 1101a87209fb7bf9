#!/usr/bin/env python3
"""Validate `aws codepipeline create-pipeline --cli-input-json` documents OFFLINE.

Usage: validate_create_pipeline.py FILE...      (run with $PIPELINE_TOOLS_DIR/bin/python)

Each FILE is a JSON document {"pipeline": {...}, "tags": [...]}, checked against the
CreatePipeline input shape of the codepipeline service model bundled in botocore
(no network, no credentials):

1. botocore.validate.ParamValidator: JSON types, required members, unknown members,
   MINIMUM lengths/values (botocore checks `min` only, never `max`).
2. this script, walking the same shapes: `max` lengths/values, string `enum`s, string
   `pattern`s (full match; Python `re` is close enough to the Java regexes AWS uses for
   this model, and `.` does not match a newline in either), booleans given for integer
   members (botocore accepts them: bool is an int in Python), and duplicate JSON keys
   (which a JSON parser would silently collapse).

Output: one line per problem, `FILE: PATH: message`, PATH in botocore's dotted form
(`pipeline.stages[0].actions[1].actionTypeId.category`), then `FILE: ok` or
`FILE: N problem(s)`. Exit 0 when every file is valid, 1 when any problem was found,
2 on usage errors. Semantic rules the model does not state (triggers and variables
need pipelineType V2, artifact names unique, an action's configuration keys...) are
NOT checked here.
"""
import json
import re
import sys

import botocore.session
from botocore.validate import ParamValidator

try:  # the `regex` module (a cfn-lint dependency) understands more Java-isms than `re`
    import regex as _regex
except ImportError:  # pragma: no cover
    _regex = None

_PATTERN_CACHE = {}


def _compile(pattern):
    if pattern not in _PATTERN_CACHE:
        compiled = None
        try:
            compiled = re.compile(pattern)
        except re.error:
            if _regex is not None:
                try:
                    compiled = _regex.compile(pattern)
                except _regex.error:
                    compiled = None
        _PATTERN_CACHE[pattern] = compiled
    return _PATTERN_CACHE[pattern]


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(f"duplicate JSON key {key!r}")
        seen[key] = value
    return seen


def _short(value, limit=60):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def extra_checks(value, shape, path, problems):
    """max / enum / pattern / bool-for-integer, recursively; types are botocore's job."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for key, member in value.items():
            if key in shape.members:
                extra_checks(member, shape.members[key], f"{path}.{key}", problems)
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append((path, f"list has {len(value)} items, at most {meta['max']} allowed"))
        for i, item in enumerate(value):
            extra_checks(item, shape.member, f"{path}[{i}]", problems)
    elif kind == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            problems.append((path, f"map has {len(value)} entries, at most {meta['max']} allowed"))
        for key, item in value.items():
            extra_checks(key, shape.key, f"{path} (key: {key})", problems)
            extra_checks(item, shape.value, f"{path}.{key}", problems)
    elif kind == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            problems.append((path, f"string of length {len(value)}, at most {meta['max']} allowed"))
        if shape.enum and value not in shape.enum:
            problems.append((path, f"{_short(value)} is not one of {shape.enum} (enum {shape.name})"))
        pattern = meta.get("pattern")
        if pattern is not None:
            compiled = _compile(pattern)
            if compiled is None:
                problems.append((path, f"cannot check pattern {pattern!r} of {shape.name} in Python"))
            elif not compiled.fullmatch(value):
                problems.append((path, f"{_short(value)} does not match pattern {pattern!r} ({shape.name})"))
    elif kind in ("integer", "long"):
        if isinstance(value, bool):
            problems.append((path, f"boolean {_short(value)} given for an integer member"))
        elif isinstance(value, int) and "max" in meta and value > meta["max"]:
            problems.append((path, f"value {value} is above the maximum {meta['max']}"))


def validate_document(doc, input_shape):
    problems = []
    report = ParamValidator().validate(doc, input_shape)
    if report.has_errors():
        # ValidationErrors keeps (reason, name, kwargs) tuples; format each one alone so
        # that every problem gets its own line and its path.
        for error in report._errors:  # noqa: SLF001 (stable in the pinned botocore)
            reason, name, kwargs = error
            single = type(report)()
            single.report(name, reason, **kwargs)
            path = name[1:] if name.startswith(".") else (name or "input")
            problems.append((path, single.generate_report()))
    extra_checks(doc, input_shape, "", problems)
    return [(p[1:] if p.startswith(".") else p, m) for p, m in problems]


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    session = botocore.session.get_session()
    model = session.get_service_model("codepipeline")
    input_shape = model.operation_model("CreatePipeline").input_shape
    failed = False
    for filename in argv[1:]:
        try:
            with open(filename, encoding="utf-8") as fh:
                doc = json.load(fh, object_pairs_hook=_no_duplicates)
        except (OSError, ValueError) as exc:  # JSONDecodeError and DuplicateKey are ValueErrors
            print(f"{filename}: cannot read as JSON: {exc}")
            failed = True
            continue
        problems = validate_document(doc, input_shape)
        for path, message in problems:
            print(f"{filename}: {path or 'input'}: {message}")
        if problems:
            print(f"{filename}: {len(problems)} problem(s) (codepipeline {model.api_version}, CreatePipeline)")
            failed = True
        else:
            print(f"{filename}: ok (codepipeline {model.api_version}, CreatePipeline)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
