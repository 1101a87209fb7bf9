#!/usr/bin/env python3
"""Read YAML files back the way a YAML 1.1 (or 1.2) consumer does, and print what it got.

Usage: yaml_readback.py [--parser pyyaml|ruamel] [--cfn-tags] FILE...
       (run with $PIPELINE_TOOLS_DIR/bin/python)

  --parser pyyaml  (default) PyYAML `yaml.safe_load`: YAML 1.1, the resolver most
                   tools in Python use (and close to GitLab's Ruby Psych).
  --parser ruamel  ruamel.yaml `YAML(typ="safe", pure=True)`: YAML 1.2.
  --cfn-tags       accept local tags such as CloudFormation's !Ref / !Sub / !GetAtt and
                   write a tagged node as {"$tag": "!Ref", "value": <typed content>}.
                   Without it a local tag is an error (safe loaders know no such tag).

Prints ONE line per FILE, in order, each a compact JSON object (no spaces, UTF-8 as
is: ensure_ascii=False, keys in document order):

  {"file": "<FILE>", "document": <DOC>}      the file loaded
  {"file": "<FILE>", "error": "<message>"}   the file could not be loaded

<DOC> is the loaded document in "typed JSON", so that any type change is visible:
  - a string is a JSON string, a sequence a JSON array, a mapping a JSON object;
  - every other scalar is {"$type": T, "value": V}:
      bool      {"$type": "bool", "value": true}
      int       {"$type": "int", "value": 511}           (e.g. bare 0777 in YAML 1.1)
      float     {"$type": "float", "value": "1.5"}       (a string: Python repr, "1e+20",
                                                         "nan", "inf", "-inf")
      null      {"$type": "null", "value": null}
      timestamp {"$type": "timestamp", "value": "2024-01-01"}   (ISO 8601)
      binary    {"$type": "binary", "value": "<base64>"}
      set       {"$type": "set", "value": [<keys, typed, sorted by their JSON>]}
  - with --cfn-tags, a node with a local tag is {"$tag": "!Ref", "value": <typed>}
  - a mapping key that is not a string is written "$<T>:<V>" with V as JSON, e.g. a bare
    `on:` key (YAML 1.1 bool) becomes "$bool:true"; a string key that starts with "$"
    is written "$str:<key>" so that the two can never be confused.

yaml_readback.rb prints exactly the same format for the same input (Ruby Psych).
Exit status: 0 when every file loaded, 1 when any did not, 2 on usage errors.
"""
import base64
import datetime
import json
import math
import sys


class LocalTag:
    """A node with a local tag (--cfn-tags): !Ref x, !Sub [...], !GetAtt a.b ..."""

    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def typed(value):
    """Convert a loaded YAML value to typed JSON (see module doc)."""
    if isinstance(value, LocalTag):
        return {"$tag": value.tag, "value": typed(value.value)}
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int in Python
        return {"$type": "bool", "value": value}
    if isinstance(value, int):
        return {"$type": "int", "value": value}
    if isinstance(value, float):
        # As a string: JSON number formatting differs between languages (1e+20 / 1.0e+20).
        if math.isnan(value):
            return {"$type": "float", "value": "nan"}
        if math.isinf(value):
            return {"$type": "float", "value": "inf" if value > 0 else "-inf"}
        return {"$type": "float", "value": repr(value)}
    if value is None:
        return {"$type": "null", "value": None}
    if isinstance(value, (datetime.datetime, datetime.date)):
        return {"$type": "timestamp", "value": value.isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"$type": "binary", "value": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (set, frozenset)):
        items = [typed(v) for v in value]
        items.sort(key=lambda v: dumps(v))
        return {"$type": "set", "value": items}
    if isinstance(value, dict):
        return {typed_key(k): typed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [typed(v) for v in value]
    raise TypeError(f"unexpected loaded type {type(value).__name__}: {value!r}")


def typed_key(key):
    if isinstance(key, str):
        return "$str:" + key if key.startswith("$") else key
    t = typed(key)
    if isinstance(t, dict) and "$type" in t:
        return "$%s:%s" % (t["$type"], dumps(t["value"]))
    # a sequence or mapping used as a key (complex key)
    return "$complex:" + dumps(t)


def dumps(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":"))


def _construct_local_tag(constructor, tag_suffix, node):
    # A tagged scalar is not resolved implicitly: its content is the raw string.
    tag = "!" + tag_suffix
    if node.id == "scalar":
        return LocalTag(tag, constructor.construct_scalar(node))
    if node.id == "sequence":
        return LocalTag(tag, list(constructor.construct_sequence(node, deep=True)))
    return LocalTag(tag, dict(constructor.construct_mapping(node, deep=True)))


def load_pyyaml(text, cfn_tags=False):
    import yaml

    if not cfn_tags:
        return yaml.safe_load(text)

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", _construct_local_tag)
    return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass


def load_ruamel(text, cfn_tags=False):
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    if cfn_tags:
        yaml.constructor.add_multi_constructor("!", _construct_local_tag)
    return yaml.load(text)


def main(argv):
    args = argv[1:]
    loader, cfn_tags, files = load_pyyaml, False, []
    while args:
        arg = args.pop(0)
        if arg in ("-h", "--help"):
            print(__doc__.strip(), file=sys.stderr)
            return 2
        if arg == "--cfn-tags":
            cfn_tags = True
        elif arg == "--parser" or arg.startswith("--parser="):
            choice = arg.partition("=")[2] if "=" in arg else (args.pop(0) if args else "")
            loader = {"pyyaml": load_pyyaml, "ruamel": load_ruamel}.get(choice)
            if loader is None:
                print(f"yaml_readback.py: unknown parser {choice!r} (pyyaml or ruamel)", file=sys.stderr)
                return 2
        elif arg == "--":
            files.extend(args)
            break
        elif arg.startswith("--"):
            print(f"yaml_readback.py: unknown option {arg} (see --help)", file=sys.stderr)
            return 2
        else:
            files.append(arg)
    if not files:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    failed = False
    for filename in files:
        try:
            with open(filename, encoding="utf-8") as fh:
                text = fh.read()
            out = {"file": filename, "document": typed(loader(text, cfn_tags=cfn_tags))}
        except Exception as exc:  # noqa: BLE001 - report any loader failure per file
            failed = True
            message = " ".join(f"{type(exc).__name__}: {exc}".split())
            out = {"file": filename, "error": message}
            print(f"yaml_readback.py: {filename}: {message}", file=sys.stderr)
        print(dumps(out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
