//! tracing setup: human text or one JSON object per line, each carrying the run id.

use super::args::LogFormat;
use tracing_subscriber::EnvFilter;

pub fn init(format: LogFormat, verbose: u8) {
    let level = match verbose {
        // JSON logs are for machines: they carry progress events by default.
        0 if format == LogFormat::Json => "info",
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_env("PLINTH_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
}
