//! Percentiles and the latency histogram (a plain SVG: no plotting crate, no fonts needed).

use std::fmt::Write;

use serde_json::{Value, json};

/// Summary of latencies in milliseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    /// Nearest-rank percentiles of `samples` (any order).
    pub fn of(samples: &[f64]) -> Summary {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| -> f64 {
            if sorted.is_empty() {
                return 0.0;
            }
            let index = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            sorted[index.clamp(1, sorted.len()) - 1]
        };
        Summary { count: sorted.len(), p50: rank(50.0), p95: rank(95.0), p99: rank(99.0), max: rank(100.0) }
    }

    pub fn to_json(self) -> Value {
        json!({"count": self.count, "p50_ms": round(self.p50), "p95_ms": round(self.p95), "p99_ms": round(self.p99), "max_ms": round(self.max)})
    }
}

/// Three decimals are plenty for milliseconds.
pub fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A histogram per series, stacked vertically, with p50 and p99 marked. Bins are linear up
/// to the largest series' p99.9 (so one outlier does not squash the picture); slower samples
/// are counted in a last "≥" bin.
pub fn histogram_svg(title: &str, series: &[(&str, &[f64])]) -> String {
    const WIDTH: f64 = 760.0;
    const PANEL: f64 = 200.0;
    const LEFT: f64 = 60.0;
    const BINS: usize = 60;
    let mut all: Vec<f64> = series.iter().flat_map(|(_, s)| s.iter().copied()).collect();
    all.sort_by(f64::total_cmp);
    let top = all.get(((all.len() as f64) * 0.999) as usize).or(all.last()).copied().unwrap_or(1.0).max(0.001) * 1.05;
    let bin_width = top / BINS as f64;
    let height = 40.0 + PANEL * series.len() as f64 + 30.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="#fff"/>"##);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="22" font-size="15" text-anchor="middle">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
    for (i, (name, samples)) in series.iter().enumerate() {
        let y0 = 40.0 + PANEL * i as f64;
        let plot_h = PANEL - 50.0;
        let mut counts = [0usize; BINS + 1];
        for &s in *samples {
            let bin = ((s / bin_width) as usize).min(BINS);
            counts[bin] += 1;
        }
        let peak = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
        let bar_w = (WIDTH - LEFT - 20.0) / (BINS + 1) as f64;
        let summary = Summary::of(samples);
        let _ = writeln!(
            svg,
            r#"<text x="{LEFT}" y="{}" font-weight="bold">{} — n={}, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms</text>"#,
            y0 + 12.0,
            escape(name),
            summary.count,
            summary.p50,
            summary.p99,
            summary.max
        );
        let base = y0 + 20.0 + plot_h;
        for (b, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let h = (c as f64 / peak) * plot_h;
            let fill = if b == BINS { "#c0392b" } else { "#2e86c1" };
            let _ = writeln!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}"><title>{c}</title></rect>"#,
                LEFT + b as f64 * bar_w,
                base - h,
                (bar_w - 1.0).max(0.5),
                h
            );
        }
        let _ = writeln!(svg, r##"<line x1="{LEFT}" y1="{base}" x2="{}" y2="{base}" stroke="#333"/>"##, WIDTH - 20.0);
        for (label, value, color) in [("p50", summary.p50, "#27ae60"), ("p99", summary.p99, "#e67e22")] {
            let x = LEFT + (value / bin_width).min(BINS as f64) * bar_w;
            let _ = writeln!(
                svg,
                r#"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{base}" stroke="{color}" stroke-dasharray="4 3"/><text x="{:.1}" y="{}" fill="{color}">{label}</text>"#,
                base - plot_h,
                x + 3.0,
                base - plot_h + 10.0
            );
        }
        for tick in 0..=5 {
            let value = top * tick as f64 / 5.0;
            let x = LEFT + (value / bin_width) * bar_w;
            let _ = writeln!(svg, r#"<text x="{x:.1}" y="{}" text-anchor="middle">{value:.1}</text>"#, base + 15.0);
        }
        let _ = writeln!(svg, r#"<text x="{}" y="{}" text-anchor="end">ms</text>"#, WIDTH - 20.0, base + 28.0);
        let _ = writeln!(
            svg,
            r#"<text x="10" y="{}" transform="rotate(-90 10 {})">count</text>"#,
            base - plot_h / 2.0,
            base - plot_h / 2.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<f64> = (1..=200).map(f64::from).collect();
        let s = Summary::of(&samples);
        assert_eq!((s.count, s.p50, s.p95, s.p99, s.max), (200, 100.0, 190.0, 198.0, 200.0));
        assert_eq!(Summary::of(&[]).count, 0);
        assert_eq!(Summary::of(&[7.0]).p99, 7.0);
    }

    #[test]
    fn the_histogram_counts_every_sample_once() {
        let samples: Vec<f64> = (0..1000).map(|i| f64::from(i % 50) / 10.0).chain([500.0]).collect();
        let svg = histogram_svg("t", &[("kds", &samples)]);
        let counted: usize = svg
            .match_indices("<title>")
            .map(|(at, _)| svg[at + 7..].split('<').next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0))
            .sum();
        assert_eq!(counted, samples.len());
        assert!(svg.contains("n=1001"), "{svg}");
    }
}
