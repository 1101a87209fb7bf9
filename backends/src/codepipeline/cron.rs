//! Five-field cron (minute hour day-of-month month day-of-week, UTC) to EventBridge's six-field
//! `cron(...)` (with a year, and `?` in exactly one of the two day fields).
//!
//! Classic cron runs when *either* day field matches if both are restricted (neither starts with
//! `*`); EventBridge cannot say that in one expression, so such a schedule becomes two rules.
//! EventBridge numbers weekdays 1-7 from Sunday and has no step (`/`) in the weekday field:
//! weekdays are written as names (`MON-FRI`) and stepped weekdays as lists.

/// Converts a valid five-field cron expression (see [`pipeline_core::validate::check_cron`]) into
/// one or two EventBridge schedule expressions. `Err` says what EventBridge cannot express.
///
/// ```
/// use pipeline_backends::codepipeline::cron::to_eventbridge;
/// assert_eq!(to_eventbridge("30 4 * * 1-5"), Ok(vec!["cron(30 4 ? * MON-FRI *)".to_owned()]));
/// assert_eq!(to_eventbridge("*/15 * * * *"), Ok(vec!["cron(0/15 * * * ? *)".to_owned()]));
/// assert_eq!(
///     to_eventbridge("0 6 1 * 1"),
///     Ok(vec!["cron(0 6 1 * ? *)".to_owned(), "cron(0 6 ? * MON *)".to_owned()])
/// );
/// assert!(to_eventbridge("0 6 */2 * 1").is_err());
/// ```
pub fn to_eventbridge(cron: &str) -> Result<Vec<String>, String> {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = fields.as_slice() else {
        return Err(format!("expected 5 fields, found {}", fields.len()));
    };
    let minute = star_step(minute, "0");
    let hour = star_step(hour, "0");
    let month = star_step(month, "1");
    let dom_star = *dom == "*";
    let dow_star = *dow == "*";
    let dom_restricted = !dom.starts_with('*');
    let dow_restricted = !dow.starts_with('*');
    let rule = |d: &str, w: &str| format!("cron({minute} {hour} {d} {month} {w} *)");
    if dow_star {
        return Ok(vec![rule(&star_step(dom, "1"), "?")]);
    }
    let weekdays = weekdays(dow)?;
    if dom_star {
        return Ok(vec![rule("?", &weekdays)]);
    }
    if dom_restricted && dow_restricted {
        return Ok(vec![rule(dom, "?"), rule("?", &weekdays)]);
    }
    Err(format!(
        "day of month {dom:?} and day of week {dow:?} must both hold (one starts with '*'), which EventBridge cannot express"
    ))
}

/// `*/n` as EventBridge's `start/n`.
fn star_step(field: &str, start: &str) -> String {
    field
        .split(',')
        .map(|item| match item.strip_prefix("*/") {
            Some(step) => format!("{start}/{step}"),
            None => item.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn day(value: &str) -> Result<usize, String> {
    if let Some(i) = DAYS.iter().position(|d| d.eq_ignore_ascii_case(value)) {
        return Ok(i);
    }
    match value.parse::<usize>() {
        Ok(n) if n <= 7 => Ok(n % 7),
        _ => Err(format!("day of week {value:?} is not a weekday")),
    }
}

/// The day-of-week field with names, steps expanded into lists.
fn weekdays(field: &str) -> Result<String, String> {
    let mut out = Vec::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (
                r,
                Some(s.parse::<usize>().map_err(|_| format!("bad step in {item:?}"))?),
            ),
            None => (item, None),
        };
        let (first, last) = match range {
            "*" => (0, 6),
            r => match r.split_once('-') {
                Some((a, b)) => (day(a)?, day(b)?),
                None => {
                    let d = day(r)?;
                    (d, if step.is_some() { 6 } else { d })
                }
            },
        };
        match step {
            None if first == last => out.push(DAYS[first].to_owned()),
            None => out.push(format!("{}-{}", DAYS[first], DAYS[last])),
            Some(0) => return Err(format!("bad step in {item:?}")),
            Some(s) => out.extend((first..=last).step_by(s).map(|d| DAYS[d].to_owned())),
        }
    }
    Ok(out.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(cron: &str) -> String {
        match to_eventbridge(cron) {
            Ok(v) if v.len() == 1 => v[0].clone(),
            other => panic!("{cron}: {other:?}"),
        }
    }

    #[test]
    fn every_field_shape() {
        assert_eq!(one("* * * * *"), "cron(* * * * ? *)");
        assert_eq!(one("17 3 * * 1-5"), "cron(17 3 ? * MON-FRI *)");
        assert_eq!(one("0 0 1 * *"), "cron(0 0 1 * ? *)");
        assert_eq!(one("0 */6 * * *"), "cron(0 0/6 * * ? *)");
        assert_eq!(one("0 0 */2 * *"), "cron(0 0 1/2 * ? *)");
        assert_eq!(one("0 0 * */3 *"), "cron(0 0 * 1/3 ? *)");
        assert_eq!(one("0 12 * JAN,JUL sun"), "cron(0 12 ? JAN,JUL SUN *)");
        assert_eq!(one("5,35 8-17 * * 0,6"), "cron(5,35 8-17 ? * SUN,SAT *)");
        assert_eq!(one("0 9 * * */2"), "cron(0 9 ? * SUN,TUE,THU,SAT *)");
        assert_eq!(one("0 9 * * 1-5/2"), "cron(0 9 ? * MON,WED,FRI *)");
        assert_eq!(one("0 9 * * 2/3"), "cron(0 9 ? * TUE,FRI *)");
    }

    #[test]
    fn both_day_fields_restricted_is_a_union_of_two_rules() {
        assert_eq!(
            to_eventbridge("0 6 1,15 * MON-FRI"),
            Ok(vec![
                "cron(0 6 1,15 * ? *)".to_owned(),
                "cron(0 6 ? * MON-FRI *)".to_owned()
            ])
        );
    }

    #[test]
    fn an_intersection_of_day_fields_is_refused() {
        assert!(to_eventbridge("0 6 */2 * 1").is_err());
        assert!(to_eventbridge("0 6 1 * */2").is_err());
        assert!(to_eventbridge("0 6 1 *").is_err());
    }
}
