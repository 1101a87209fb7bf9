//! Unified diffs (Myers' O(ND) algorithm) for `--check`.

/// A unified diff of `old` into `new` with three lines of context, `---`/`+++` headers naming
/// `old_name` and `new_name`. Empty when the texts are equal.
///
/// ```
/// use pipeline_core::generate::unified_diff;
/// let d = unified_diff("a/f", "b/f", "one\ntwo\nthree\n", "one\n2\nthree\n");
/// assert_eq!(d, "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n");
/// ```
pub fn unified_diff(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a = split_lines(old);
    let b = split_lines(new);
    let ops = diff_ops(&a, &b);
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for hunk in hunks(&ops, 3) {
        let (mut old_start, mut old_len, mut new_start, mut new_len) = (0, 0, 0, 0);
        let mut first = true;
        for op in &ops[hunk.clone()] {
            if first {
                old_start = op.old;
                new_start = op.new;
                first = false;
            }
            match op.kind {
                Kind::Equal => {
                    old_len += 1;
                    new_len += 1;
                }
                Kind::Delete => old_len += 1,
                Kind::Insert => new_len += 1,
            }
        }
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_len),
            range(new_start, new_len)
        ));
        for op in &ops[hunk] {
            let (sign, line) = match op.kind {
                Kind::Equal => (' ', a[op.old]),
                Kind::Delete => ('-', a[op.old]),
                Kind::Insert => ('+', b[op.new]),
            };
            out.push(sign);
            match line.strip_suffix('\n') {
                Some(l) => {
                    out.push_str(l);
                    out.push('\n');
                }
                None => {
                    out.push_str(line);
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

fn range(start: usize, len: usize) -> String {
    // unified diff ranges are 1-based; an empty range names the line before it
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

fn split_lines(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Equal,
    Delete,
    Insert,
}

#[derive(Clone, Copy, Debug)]
struct Op {
    kind: Kind,
    /// Index in the old text (for inserts: the old line it is inserted before).
    old: usize,
    /// Index in the new text (for deletes: the new line it is deleted before).
    new: usize,
}

/// Myers' shortest edit script, as a list of per-line operations.
fn diff_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let n = a.len() as isize;
    let m = b.len() as isize;
    let max = (n + m) as usize;
    let offset = max as isize + 1;
    let mut v = vec![0isize; 2 * max + 3];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    'outer: for d in 0..=max as isize {
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let idx = (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) {
                v[idx + 1]
            } else {
                v[idx - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx] = x;
            if x >= n && y >= m {
                break 'outer;
            }
            k += 2;
        }
    }
    // Backtrack from the end through the saved frontiers (`trace[d]`: the frontier before
    // round `d`).
    let idx = |k: isize| (k + offset) as usize;
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for (d, v) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let k = x - y;
        let prev_k = if k == -d || (k != d && v[idx(k - 1)] < v[idx(k + 1)]) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = v[idx(prev_k)];
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            ops.push(Op {
                kind: Kind::Equal,
                old: x as usize,
                new: y as usize,
            });
        }
        if d > 0 {
            if x == prev_x {
                ops.push(Op {
                    kind: Kind::Insert,
                    old: x as usize,
                    new: prev_y as usize,
                });
            } else {
                ops.push(Op {
                    kind: Kind::Delete,
                    old: prev_x as usize,
                    new: y as usize,
                });
            }
        }
        x = prev_x;
        y = prev_y;
    }
    ops.reverse();
    ops
}

/// Groups operations into hunks: changes plus up to `context` equal lines around them.
fn hunks(ops: &[Op], context: usize) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        if op.kind == Kind::Equal {
            continue;
        }
        let start = i.saturating_sub(context);
        let end = (i + 1 + context).min(ops.len());
        match out.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => out.push(start..end),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies a unified diff produced by `unified_diff` to `old`.
    fn apply(old: &str, diff: &str) -> String {
        let old_lines = split_lines(old);
        let mut out = String::new();
        let mut pos = 0;
        let mut lines = diff.split_inclusive('\n').skip(2).peekable();
        while let Some(line) = lines.next() {
            if let Some(h) = line.strip_prefix("@@ -") {
                let start: usize = h
                    .split([',', ' '])
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("hunk start");
                let len_zero = h.split(' ').next().is_some_and(|r| r.ends_with(",0"));
                let start = if len_zero { start } else { start - 1 };
                while pos < start {
                    out.push_str(old_lines[pos]);
                    pos += 1;
                }
                continue;
            }
            let no_newline = lines.peek().is_some_and(|l| l.starts_with('\\'));
            let body = &line[1..];
            let body = if no_newline {
                body.strip_suffix('\n').unwrap_or(body)
            } else {
                body
            };
            if no_newline {
                lines.next();
            }
            match line.as_bytes()[0] {
                b' ' => {
                    out.push_str(body);
                    pos += 1;
                }
                b'-' => pos += 1,
                b'+' => out.push_str(body),
                other => panic!("unexpected diff line start {other}"),
            }
        }
        while pos < old_lines.len() {
            out.push_str(old_lines[pos]);
            pos += 1;
        }
        out
    }

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified_diff("a", "b", "x\n", "x\n"), "");
    }

    #[test]
    fn creation_and_deletion() {
        assert_eq!(
            unified_diff("/dev/null", "b/f", "", "a\nb\n"),
            "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n"
        );
        assert_eq!(
            unified_diff("a/f", "/dev/null", "a\n", ""),
            "--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n"
        );
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let d = unified_diff("a/f", "b/f", "a\nb", "a\nb\n");
        assert_eq!(
            d,
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
    }

    #[test]
    fn distant_changes_make_separate_hunks() {
        let old: String = (0..20).map(|i| format!("{i}\n")).collect();
        let new = old.replace("2\n", "two\n").replace("17\n", "seventeen\n");
        let d = unified_diff("a", "b", &old, &new);
        assert_eq!(d.matches("@@ -").count(), 2, "{d}");
        assert_eq!(apply(&old, &d), new);
    }

    #[test]
    fn diffs_apply_back_on_pseudo_random_texts() {
        // xorshift: deterministic, no dependency
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let mut text = |len: u64| -> String {
                (0..next() % len)
                    .map(|_| format!("{}\n", ["a", "b", "c", "d", ""][(next() % 5) as usize]))
                    .collect()
            };
            let old = text(12);
            let new = text(12);
            let d = unified_diff("a", "b", &old, &new);
            assert_eq!(apply(&old, &d), new, "old={old:?} new={new:?}\n{d}");
        }
    }
}
