//! Where log lines go and what they look like: pretty for people, JSON for
//! collectors. Every request's lines carry its `request_id` (see `middleware`).

use crate::cli::LogFormat;
use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global tracing subscriber. `RUST_LOG`, when set, wins over
/// `filter`. Calling it twice (as tests do) keeps the first subscriber.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    let _ = match format {
        LogFormat::Pretty => builder.compact().with_target(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
    };
}
