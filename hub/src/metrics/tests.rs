//! Unit tests of the metrics: what the exposition shows after recording, checked with a small
//! parser of the Prometheus text format (0.0.4) that refuses anything malformed.

use std::collections::{BTreeMap, HashMap};

use chrono::{TimeZone, Utc};

use super::HubMetrics;
use crate::policy::{CircuitSnapshot, CircuitState};
use crate::store::{DeliveryState, OutcomeKind, StateCount};

#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses an exposition, failing on the first line that is not valid: metric and label names,
/// quoted and escaped label values, numeric values, and `# TYPE` given once per family before
/// its samples.
fn parse_exposition(text: &str) -> Result<Vec<Sample>, String> {
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let fail = |why: &str| format!("line {}: {why}: {line:?}", number + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (keyword, name) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            if !is_metric_name(name) {
                return Err(fail("bad metric name in comment"));
            }
            if keyword == "TYPE" {
                let kind = parts.next().unwrap_or_default();
                if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                    return Err(fail("unknown type"));
                }
                if types.insert(name.to_owned(), kind.to_owned()).is_some() {
                    return Err(fail("TYPE given twice"));
                }
            } else if keyword != "HELP" {
                return Err(fail("unknown comment keyword"));
            }
            continue;
        }
        let sample = parse_sample(line).map_err(|why| fail(&why))?;
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                let base = sample.name.strip_suffix(suffix)?;
                (types.get(base).map(String::as_str) == Some("histogram")).then_some(base)
            })
            .unwrap_or(&sample.name);
        if !types.contains_key(family) {
            return Err(fail("sample before its TYPE"));
        }
        samples.push(sample);
    }
    Ok(samples)
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err("bad metric name".into());
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        loop {
            let start = chars.peek().map(|(i, _)| *i).ok_or("unterminated labels")?;
            if inner[start..].starts_with('}') {
                rest = &inner[start + 1..];
                break;
            }
            let eq = inner[start..].find("=\"").ok_or("label without =\"")? + start;
            let label = &inner[start..eq];
            if !is_label_name(label) {
                return Err(format!("bad label name {label:?}"));
            }
            while chars.peek().is_some_and(|(i, _)| *i <= eq + 1) {
                chars.next();
            }
            let mut value = String::new();
            loop {
                match chars.next().ok_or("unterminated label value")?.1 {
                    '"' => break,
                    '\\' => match chars.next().ok_or("dangling escape")?.1 {
                        'n' => value.push('\n'),
                        c @ ('\\' | '"') => value.push(c),
                        other => return Err(format!("bad escape \\{other}")),
                    },
                    '\n' => return Err("raw newline in label value".into()),
                    c => value.push(c),
                }
            }
            if labels.insert(label.to_owned(), value).is_some() {
                return Err(format!("label {label} twice"));
            }
            if chars.peek().is_some_and(|(_, c)| *c == ',') {
                chars.next();
            }
        }
    }
    let mut fields = rest.strip_prefix(' ').ok_or("no space before the value")?.split(' ');
    let value = match fields.next().unwrap_or_default() {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        number => number.parse().map_err(|_| format!("bad value {number:?}"))?,
    };
    if let Some(timestamp) = fields.next() {
        timestamp.parse::<i64>().map_err(|_| "bad timestamp")?;
    }
    if fields.next().is_some() {
        return Err("trailing fields".into());
    }
    Ok(Sample { name: name.to_owned(), labels, value })
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The value of the one sample named `name` with exactly these labels.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<String, String> =
        labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    samples.iter().find(|s| s.name == name && s.labels == wanted).map(|s| s.value)
}

fn rendered(metrics: &HubMetrics, ledger: &[StateCount]) -> Vec<Sample> {
    let text = metrics.render(ledger);
    parse_exposition(&text).unwrap_or_else(|err| panic!("{err}\n{text}"))
}

#[test]
fn the_parser_refuses_malformed_lines() {
    let typed = "# TYPE m counter\n";
    assert!(parse_exposition(&format!("{typed}m_total 1\n")).is_err(), "no TYPE for m_total");
    assert!(parse_exposition("# TYPE m gauge\nm{a=\"x} 1\n").is_err());
    assert!(parse_exposition("# TYPE m gauge\nm{1a=\"x\"} 1\n").is_err());
    assert!(parse_exposition("# TYPE m gauge\nm one\n").is_err());
    assert!(parse_exposition("# TYPE m gauge\n# TYPE m gauge\n").is_err());
    let ok = parse_exposition("# TYPE m gauge\nm{a=\"x\\\"y\",b=\"\"} 2.5\n").unwrap();
    assert_eq!(ok[0].labels["a"], "x\"y");
    assert_eq!(ok[0].value, 2.5);
}

#[test]
fn counters_show_with_their_labels_after_recording() {
    let metrics = HubMetrics::new();
    metrics.events_accepted(3);
    metrics.events_duplicate(1);
    metrics.outcomes("crm", OutcomeKind::Delivered, 5);
    metrics.outcomes("crm", OutcomeKind::DeadLettered, 1);
    metrics.outcomes("lms", OutcomeKind::Retry, 2);
    // A clone records into the same registry.
    metrics.clone().outcomes("crm", OutcomeKind::Delivered, 2);
    metrics.deferred("crm", 4);
    metrics.verified("crm", true, 6);
    metrics.verified("crm", false, 1);
    metrics.queue_jobs(12);
    let usage = switchyard_adapters::ApiUsage {
        org_used: Some(900),
        org_limit: Some(15_000),
        own_calls: 40,
        own_budget: Some(7_500),
    };
    metrics.api_usage("crm", &usage);

    let samples = rendered(&metrics, &[]);
    assert_eq!(value(&samples, "switchyard_events_accepted_total", &[]), Some(3.0));
    assert_eq!(value(&samples, "switchyard_events_duplicate_total", &[]), Some(1.0));
    let outcome = |system, outcome| {
        value(&samples, "switchyard_delivery_outcomes_total", &[("system", system), ("outcome", outcome)])
    };
    assert_eq!(outcome("crm", "delivered"), Some(7.0));
    assert_eq!(outcome("crm", "dead_lettered"), Some(1.0));
    assert_eq!(outcome("lms", "retry"), Some(2.0));
    assert_eq!(outcome("lms", "delivered"), None);
    assert_eq!(value(&samples, "switchyard_deferred_total", &[("system", "crm")]), Some(4.0));
    let verdict = |verdict| {
        value(&samples, "switchyard_verifications_total", &[("system", "crm"), ("verdict", verdict)])
    };
    assert_eq!((verdict("confirmed"), verdict("silent_failure")), (Some(6.0), Some(1.0)));
    assert_eq!(value(&samples, "switchyard_queue_jobs", &[]), Some(12.0));
    let usage = |kind| value(&samples, "switchyard_api_usage", &[("system", "crm"), ("kind", kind)]);
    assert_eq!(
        [usage("org_used"), usage("org_limit"), usage("hub_calls"), usage("hub_budget")],
        [Some(900.0), Some(15_000.0), Some(40.0), Some(7_500.0)]
    );
}

#[test]
fn batch_histograms_count_and_sum_per_system() {
    let metrics = HubMetrics::new();
    metrics.batch_duration("crm", 0.25);
    metrics.batch_duration("crm", 1.5);
    metrics.batch_size("crm", 200);
    let samples = rendered(&metrics, &[]);
    let crm = [("system", "crm")];
    assert_eq!(value(&samples, "switchyard_batch_duration_seconds_count", &crm), Some(2.0));
    assert_eq!(value(&samples, "switchyard_batch_duration_seconds_sum", &crm), Some(1.75));
    let le = |bound| value(&samples, "switchyard_batch_duration_seconds_bucket", &[crm[0], ("le", bound)]);
    assert_eq!(le("+Inf"), Some(2.0));
    assert_eq!(le("0.32"), Some(1.0), "0.25 s falls in the 0.32 s bucket");
    assert_eq!(value(&samples, "switchyard_batch_items_count", &crm), Some(1.0));
    assert_eq!(value(&samples, "switchyard_batch_items_bucket", &[crm[0], ("le", "100")]), Some(0.0));
    assert_eq!(value(&samples, "switchyard_batch_items_bucket", &[crm[0], ("le", "200")]), Some(1.0));
}

#[test]
fn circuits_are_gauges_and_kept_for_the_api() {
    let metrics = HubMetrics::new();
    let until = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
    let open =
        CircuitSnapshot { state: CircuitState::Open { until }, failure_rate: 0.75, recent_outcomes: 20 };
    let half_open = CircuitSnapshot {
        state: CircuitState::HalfOpen { probe_since: None },
        failure_rate: 0.0,
        recent_outcomes: 0,
    };
    let closed = CircuitSnapshot { state: CircuitState::Closed, failure_rate: 0.1, recent_outcomes: 10 };
    metrics.circuit("crm", &closed);
    metrics.circuit("crm", &open);
    metrics.circuit("lms", &half_open);
    metrics.circuit("erp", &closed);

    let samples = rendered(&metrics, &[]);
    let state = |system| value(&samples, "switchyard_circuit_state", &[("system", system)]);
    assert_eq!((state("erp"), state("lms"), state("crm")), (Some(0.0), Some(1.0), Some(2.0)));
    assert_eq!(value(&samples, "switchyard_circuit_failure_ratio", &[("system", "crm")]), Some(0.75));
    let circuits = metrics.circuits();
    assert_eq!(circuits.keys().collect::<Vec<_>>(), ["crm", "erp", "lms"]);
    assert_eq!(circuits["crm"], open, "the latest snapshot wins");
}

#[test]
fn ledger_counts_are_a_gauge_with_every_state_of_each_system() {
    let metrics = HubMetrics::default();
    let ledger = [
        StateCount { system: "crm".into(), state: DeliveryState::Pending, count: 40 },
        StateCount { system: "crm".into(), state: DeliveryState::InFlight, count: 2 },
        StateCount { system: "lms".into(), state: DeliveryState::DeadLettered, count: 1 },
    ];
    let samples = rendered(&metrics, &ledger);
    let deliveries =
        |system, state| value(&samples, "switchyard_deliveries", &[("system", system), ("state", state)]);
    assert_eq!(deliveries("crm", "pending"), Some(40.0));
    assert_eq!(deliveries("crm", "in_flight"), Some(2.0));
    assert_eq!(deliveries("crm", "dead_lettered"), Some(0.0));
    assert_eq!(deliveries("lms", "dead_lettered"), Some(1.0));
    assert_eq!(deliveries("lms", "pending"), Some(0.0));
    let lms_series =
        samples.iter().filter(|s| s.name == "switchyard_deliveries" && s.labels["system"] == "lms");
    assert_eq!(lms_series.count(), DeliveryState::ALL.len());
}

#[test]
fn label_values_are_escaped() {
    let metrics = HubMetrics::new();
    metrics.deferred("odd \"name\"\\\n", 1);
    let samples = rendered(&metrics, &[]);
    assert_eq!(value(&samples, "switchyard_deferred_total", &[("system", "odd \"name\"\\\n")]), Some(1.0));
}
