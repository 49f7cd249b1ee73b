//! The demo's narration on stdout: numbered steps, and indented facts under each.

use std::time::Instant;

/// Prints the steps, numbering them and timing the whole story.
#[derive(Debug)]
pub struct Narrator {
    step: usize,
    steps: usize,
    started: Instant,
}

impl Narrator {
    pub fn new(steps: usize) -> Self {
        Self { step: 0, steps, started: Instant::now() }
    }

    /// A new step, with its title.
    pub fn step(&mut self, title: &str) {
        self.step += 1;
        println!(
            "\n[{}/{}] {title}  (t = {:.1} s)",
            self.step,
            self.steps,
            self.started.elapsed().as_secs_f64()
        );
    }

    /// A fact of the current step.
    pub fn say(&self, line: impl AsRef<str>) {
        for line in line.as_ref().lines() {
            println!("      {line}");
        }
    }

    pub fn elapsed_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: impl Into<i128>) -> String {
    let digits = n.into().to_string();
    let (sign, digits) = digits.strip_prefix('-').map_or(("", digits.as_str()), |rest| ("-", rest));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(400_000), "400,000");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
    }
}
