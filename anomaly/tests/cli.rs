//! The `ehr-anomaly` binary, run as a user runs it.

use serde_json::Value;
use std::{
	fs,
	path::{Path, PathBuf},
	process::{Command, Output},
};

fn ehr_anomaly(args: &[&str]) -> Output {
	Command::new(env!("CARGO_BIN_EXE_ehr-anomaly")).args(args).output().expect("runs")
}

/// A fresh directory with a small simulated log (and one malformed line at its end).
fn simulated(name: &str) -> PathBuf {
	let dir = std::env::temp_dir().join(format!("ehr-cli-{name}-{}", std::process::id()));
	let _ = fs::remove_dir_all(&dir);
	fs::create_dir_all(&dir).unwrap();
	let path = |file: &str| dir.join(file).to_string_lossy().to_string();
	let simulate = ehr_anomaly(&[
		"simulate",
		"--seed",
		"4",
		"--days",
		"2",
		"--practitioners",
		"80",
		"--attack-rate",
		"0.05",
		"--out",
		&path("log.jsonl"),
		"--labels",
		&path("labels.jsonl"),
		"--truth",
		&path("truth.jsonl"),
	]);
	assert!(simulate.status.success(), "{}", String::from_utf8_lossy(&simulate.stderr));
	let mut log = fs::read_to_string(dir.join("log.jsonl")).unwrap();
	log.push_str("{\"seq\": \"not a number\"}\n");
	fs::write(dir.join("log.jsonl"), log).unwrap();
	dir
}

fn lines(path: &Path) -> usize {
	fs::read_to_string(path).unwrap().lines().count()
}

#[test]
fn score_prints_alerts_and_a_summary_and_skips_a_malformed_line() {
	let dir = simulated("score");
	let log = dir.join("log.jsonl");
	let out = ehr_anomaly(&["score", "--log", log.to_str().unwrap(), "--threshold", "0.5"]);
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(stderr.contains(&format!("skipped line {}", lines(&log))), "{stderr}");

	let printed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
		.lines()
		.map(|line| serde_json::from_str(line).expect("JSON lines"))
		.collect();
	let (summary, alerts) = printed.split_last().expect("a summary");
	let summary = &summary["summary"];
	assert_eq!(summary["decisions"].as_u64(), Some(lines(&log) as u64 - 1));
	assert_eq!(summary["skipped_lines"].as_u64(), Some(1));
	assert_eq!(summary["alerts"].as_u64(), Some(alerts.len() as u64));
	let sha = fs::read_to_string("../model/anomaly.onnx.sha256").unwrap();
	assert_eq!(summary["model_sha256"].as_str(), sha.split_whitespace().next());
	assert!(!alerts.is_empty());
	for alert in alerts {
		assert!(alert["score"].as_f64().unwrap() >= 0.5);
		for branch in ["outlier", "supervised", "recurrent"] {
			assert!(alert["parts"][branch].is_number(), "{alert}");
		}
		assert_eq!(alert["top_features"].as_array().map(Vec::len), Some(3));
	}
	fs::remove_dir_all(dir).unwrap();
}

/// The alert lines and the summary of `score` over `log` with `args`.
fn score(log: &Path, args: &[&str]) -> (Vec<Value>, Value) {
	let out = ehr_anomaly(&[&["score", "--log", log.to_str().unwrap()][..], args].concat());
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	let mut printed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
		.lines()
		.map(|line| serde_json::from_str(line).expect("JSON lines"))
		.collect();
	let summary = printed.pop().expect("a summary")["summary"].clone();
	(printed, summary)
}

#[test]
fn calibrate_holds_each_group_in_shadow_for_its_burn_in_then_alerts_above_its_own_score() {
	let dir = simulated("calibrate");
	let log = dir.join("log.jsonl");
	let (plain, _) = score(&log, &["--threshold", "0.5"]);
	assert!(!plain.is_empty());
	let key = |alert: &Value| (alert["practitioner"].clone(), alert["seq"].as_u64());
	let groups = |summary: &Value| summary["calibration"]["groups"].as_array().unwrap().clone();

	// A burn-in longer than the log: every group in shadow, every alert held.
	let (alerts, summary) =
		score(&log, &["--threshold", "0.5", "--calibrate", "--burn-in-days", "3"]);
	assert!(alerts.is_empty());
	assert!(groups(&summary)
		.iter()
		.all(|g| g["state"] == "shadow" && g["calibrated_score"].is_null()));
	let held: u64 = groups(&summary).iter().map(|g| g["held_in_shadow"].as_u64().unwrap()).sum();
	assert_eq!(held, plain.len() as u64);

	// Half a day of shadow: live groups alert above their own calibrated scores, and only
	// where the threshold alone would.
	let args = [
		"--threshold",
		"0.5",
		"--calibrate",
		"--burn-in-days",
		"0.5",
		"--false-alert-rate",
		"0.01",
	];
	let (alerts, summary) = score(&log, &args);
	let live: Vec<_> = groups(&summary).into_iter().filter(|g| g["state"] == "live").collect();
	assert!(!live.is_empty());
	assert!(live
		.iter()
		.all(|g| g["calibrated_score"].as_f64().is_some_and(|s| (0.0..=1.0).contains(&s))));
	assert!(alerts.len() < plain.len());
	for alert in &alerts {
		assert!(plain.iter().any(|p| key(p) == key(alert)), "{alert}");
	}
	assert_eq!(summary["calibration"]["burn_in_days"].as_f64(), Some(0.5));
	assert_eq!(summary["calibration"]["false_alert_rate"].as_f64(), Some(0.01));

	for (args, says) in [
		(vec!["--calibrate", "--burn-in-days", "29"], "--burn-in-days 29 is not in [0, 28]"),
		(
			vec!["--calibrate", "--false-alert-rate", "0"],
			"--false-alert-rate 0 is not in (0, 0.01]",
		),
		(vec!["--burn-in-days", "1"], "--calibrate"),
	] {
		let out = ehr_anomaly(&[&["score", "--log", log.to_str().unwrap()][..], &args].concat());
		assert!(!out.status.success());
		let stderr = String::from_utf8_lossy(&out.stderr);
		assert!(stderr.contains(says), "{args:?}: {stderr}");
	}
	fs::remove_dir_all(dir).unwrap();
}

#[test]
fn strict_refuses_the_malformed_line_with_its_number() {
	let dir = simulated("strict");
	let log = dir.join("log.jsonl");
	let out = ehr_anomaly(&["score", "--log", log.to_str().unwrap(), "--strict"]);
	assert!(!out.status.success());
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(stderr.starts_with("Error: ") && stderr.contains(&format!("line {}", lines(&log))));
	assert!(out.stdout.is_empty());
	fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_tampered_model_and_bad_arguments_are_refused() {
	let dir = simulated("tampered");
	let log = dir.join("log.jsonl");
	let mut model = fs::read("../model/anomaly.onnx").unwrap();
	model.push(0);
	let tampered = dir.join("tampered.onnx");
	fs::write(&tampered, model).unwrap();
	let approved = fs::read_to_string("../model/anomaly.onnx.sha256").unwrap();
	let approved = approved.split_whitespace().next().unwrap();
	let log = log.to_str().unwrap();
	for (args, says) in [
		(vec!["--model", tampered.to_str().unwrap(), "--sha256", approved], "sha256"),
		(vec!["--sha256", "abc"], "not 64 hex digits"),
		(vec!["--threshold", "1.5"], "not a score in [0, 1]"),
		(vec!["--model", log], "not a model tract can load"),
	] {
		let out = ehr_anomaly(&[&["score", "--log", log][..], &args].concat());
		assert!(!out.status.success());
		let stderr = String::from_utf8_lossy(&out.stderr);
		assert!(stderr.contains(says), "{args:?}: {stderr}");
	}
	let out_of_range = ["--seed", "1", "--days", "1", "--practitioners", "20", "--out"];
	let written = dir.join("never.jsonl");
	let written = written.to_str().unwrap();
	for share in [["--curbside", "1.5"], ["--attack-rate", "2"]] {
		let args =
			[&["simulate"][..], &out_of_range, &[written, "--labels", written], &share].concat();
		let out = ehr_anomaly(&args);
		assert!(!out.status.success());
		let stderr = String::from_utf8_lossy(&out.stderr);
		assert!(stderr.contains(&format!("{} {} is not a share", share[0], share[1])), "{stderr}");
		assert!(!Path::new(written).exists());
	}
	fs::remove_dir_all(dir).unwrap();
}

#[test]
fn features_are_exported_by_labels_or_by_truth() {
	let dir = simulated("features");
	let path = |file: &str| dir.join(file).to_string_lossy().to_string();
	for (truth, out_dir) in [(None, "by-labels"), (Some(path("truth.jsonl")), "by-truth")] {
		let mut args = vec![
			"features".to_string(),
			"--log".into(),
			path("log.jsonl"),
			"--labels".into(),
			path("labels.jsonl"),
			"--out-dir".into(),
			path(out_dir),
		];
		if let Some(truth) = truth {
			args.extend(["--truth".into(), truth]);
		}
		let args: Vec<&str> = args.iter().map(String::as_str).collect();
		let out = ehr_anomaly(&args);
		assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
		for file in ["window.npy", "sequence.npy", "samples.jsonl", "features.json"] {
			assert!(dir.join(out_dir).join(file).exists(), "{out_dir}/{file}");
		}
		let samples = fs::read_to_string(dir.join(out_dir).join("samples.jsonl")).unwrap();
		assert!(samples.lines().any(|line| !line.contains("\"attack\":null")), "{out_dir}");
	}
	fs::remove_dir_all(dir).unwrap();
}
