//! Logs and traces: log lines on standard error (text or JSON, filtered by
//! `RUST_LOG`), and, when `tracing.otlp_endpoint` is set, every span exported over
//! OTLP/HTTP by OpenTelemetry's batch exporter (its own thread, a bounded queue).

use crate::cli::LogFormat;
use crate::config::TracingConfig;
use anyhow::Context;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How long one export to the collector may take.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// Keeps the exporter; dropping it sends what is queued and stops it.
#[derive(Debug, Default)]
pub struct TracingGuard {
    provider: Option<SdkTracerProvider>,
}

impl TracingGuard {
    /// Sends every finished span now.
    pub fn flush(&self) {
        if let Some(provider) = &self.provider
            && let Err(error) = provider.force_flush()
        {
            eprintln!("flushing spans failed: {error}");
        }
    }
}

impl Drop for TracingGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("stopping the span exporter failed: {error}");
        }
    }
}

/// The traces URL: as given, with `/v1/traces` when it names no path.
pub fn traces_url(endpoint: &str) -> String {
    let after_scheme = endpoint.find("://").map_or(0, |i| i + 3);
    match endpoint[after_scheme..].find('/') {
        Some(i) if after_scheme + i + 1 < endpoint.len() => endpoint.to_string(),
        _ => format!("{}/v1/traces", endpoint.trim_end_matches('/')),
    }
}

/// Installs the global subscriber: log lines to `writer`, and spans to the OTLP
/// endpoint when one is configured. Must be called outside an async runtime (the
/// exporter's HTTP client has one of its own).
pub fn init<W>(
    format: &LogFormat,
    tracing: &TracingConfig,
    writer: W,
) -> anyhow::Result<TracingGuard>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(writer)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer().with_writer(writer).boxed(),
    }
    .with_filter(filter);
    let mut guard = TracingGuard::default();
    let spans = if tracing.otlp_endpoint.is_empty() {
        None
    } else {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(traces_url(&tracing.otlp_endpoint))
            .with_timeout(EXPORT_TIMEOUT)
            .build()
            .context("tracing.otlp_endpoint")?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                opentelemetry_sdk::Resource::builder()
                    .with_service_name(tracing.service_name.clone())
                    .build(),
            )
            .build();
        let tracer = provider.tracer("bourse");
        guard.provider = Some(provider);
        Some(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(tracing_subscriber::filter::LevelFilter::INFO),
        )
    };
    tracing_subscriber::registry()
        .with(logs)
        .with(spans)
        .try_init()
        .context("installing the log subscriber")?;
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collector_url_without_a_path_gets_the_traces_path() {
        assert_eq!(traces_url("http://c:4318"), "http://c:4318/v1/traces");
        assert_eq!(traces_url("http://c:4318/"), "http://c:4318/v1/traces");
        assert_eq!(
            traces_url("http://c:4318/v1/traces"),
            "http://c:4318/v1/traces"
        );
        assert_eq!(traces_url("http://c/custom/path"), "http://c/custom/path");
    }
}
