//! The report at the end of `cargo xtask test`: each step with its outcome
//! and time, then the test counts as one `N passed, N failed` line.

use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Summary {
    steps: Vec<Step>,
    pub tests_passed: u64,
    pub tests_failed: u64,
    pub tests_skipped: u64,
}

struct Step {
    name: String,
    took: Duration,
    error: Option<String>,
}

impl Summary {
    /// Runs one step, timing it and keeping its outcome; returns whether it passed.
    pub fn step(&mut self, name: &str, body: impl FnOnce(&mut Self) -> Result<(), String>) -> bool {
        println!("\n==> {name}");
        let started = Instant::now();
        let outcome = body(self);
        let passed = outcome.is_ok();
        self.steps.push(Step { name: name.to_owned(), took: started.elapsed(), error: outcome.err() });
        passed
    }

    /// Records a step that did not run because an earlier one failed.
    pub fn skipped(&mut self, name: &str, why: &str) {
        self.steps.push(Step { name: name.to_owned(), took: Duration::ZERO, error: Some(format!("skipped: {why}")) });
    }

    /// Adds the counts found in a test runner's output (cargo test or Playwright).
    pub fn count_tests(&mut self, output: &str) {
        for line in output.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("test result: ") {
                // cargo: "test result: ok. 12 passed; 0 failed; 1 ignored; ..."
                self.tests_passed += number_before(rest, " passed");
                self.tests_failed += number_before(rest, " failed");
                self.tests_skipped += number_before(rest, " ignored");
            } else if let Some(count) = line.strip_prefix("ℹ pass ") {
                // node --test (spec reporter): "ℹ pass 10", "ℹ fail 0", "ℹ skipped 0"
                self.tests_passed += count.trim().parse::<u64>().unwrap_or(0);
            } else if let Some(count) = line.strip_prefix("ℹ fail ") {
                self.tests_failed += count.trim().parse::<u64>().unwrap_or(0);
            } else if let Some(count) = line.strip_prefix("ℹ skipped ") {
                self.tests_skipped += count.trim().parse::<u64>().unwrap_or(0);
            } else if line.ends_with(" passed") || line.contains(" passed (") {
                // Playwright: "  12 passed (8.1s)", "  2 failed", "  1 skipped"
                self.tests_passed += number_before(line, " passed");
            } else if is_playwright_count(line, "failed") {
                self.tests_failed += number_before(line, " failed");
            } else if is_playwright_count(line, "skipped") {
                self.tests_skipped += number_before(line, " skipped");
            }
        }
    }

    pub fn all_passed(&self) -> bool {
        self.steps.iter().all(|step| step.error.is_none()) && self.tests_failed == 0
    }

    pub fn print(&self) {
        println!("\n──────────────────────── summary ────────────────────────");
        for step in &self.steps {
            let mark = match &step.error {
                None => "ok  ",
                Some(error) if error.starts_with("skipped") => "skip",
                Some(_) => "FAIL",
            };
            println!("  {mark}  {:<48} {:>7.1}s", step.name, step.took.as_secs_f64());
            if let Some(error) = &step.error {
                println!("        {error}");
            }
        }
        let total: Duration = self.steps.iter().map(|step| step.took).sum();
        println!("  total {:>57.1}s", total.as_secs_f64());
        println!("tests: {} passed, {} failed, {} skipped", self.tests_passed, self.tests_failed, self.tests_skipped);
    }
}

fn is_playwright_count(line: &str, word: &str) -> bool {
    let mut words = line.split_whitespace();
    matches!((words.next(), words.next()), (Some(n), Some(w)) if n.parse::<u64>().is_ok() && w == word)
}

/// The number written just before `marker` in `text`, or 0.
fn number_before(text: &str, marker: &str) -> u64 {
    text.find(marker)
        .and_then(|end| text[..end].rsplit(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_and_playwright_counts_are_added_up() {
        let mut summary = Summary::default();
        summary.count_tests("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured\n");
        summary.count_tests("test result: FAILED. 3 passed; 2 failed; 0 ignored\n");
        summary.count_tests("  9 passed (12.3s)\n  1 skipped\n");
        summary.count_tests("ℹ tests 11\nℹ pass 10\nℹ fail 1\nℹ skipped 0\n");
        assert_eq!((summary.tests_passed, summary.tests_failed, summary.tests_skipped), (34, 3, 2));
    }

    #[test]
    fn a_failed_step_fails_the_run() {
        let mut summary = Summary::default();
        summary.step("good", |_| Ok(()));
        assert!(summary.all_passed());
        summary.step("bad", |_| Err("broken".into()));
        assert!(!summary.all_passed());
    }
}
