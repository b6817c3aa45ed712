//! `AwsContext`: the SDK clients every kind calls, built once from the default credential chain
//! (or an explicit endpoint for the emulator), plus a counter of the requests actually sent.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The region the platform lives in.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Counts every request that leaves for the cloud (after retries are expanded).
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<AtomicUsize>);

impl CallCounter {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "PlinthCallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Longest wait for a TCP (and TLS) connection. AWS endpoints connect in well under a second;
/// 10 s tolerates a slow CI network or proxy while an endpoint that drops packets fails fast.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest wait for one attempt of one call, connection to last byte. AWS control-plane calls
/// answer in well under 5 s (long work such as a database coming up is asynchronous and waited
/// on by the kinds' waiters, not inside a call); 30 s covers the slowest synchronous ones with a
/// wide margin, and an endpoint that accepts connections but never answers costs 30 s, not forever.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest time one call may take in total, retries and backoff included: the SDK's standard 3
/// attempts of [`ATTEMPT_TIMEOUT`] plus backoff. After this, a call sent can no longer be in
/// flight from this process.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// An endpoint override (the emulator); `None` uses the SDK's resolution, which already
    /// honours `AWS_ENDPOINT_URL`.
    pub endpoint: Option<String>,
    /// Static credentials for an emulator; `None` uses the default credential chain.
    pub static_credentials: bool,
    /// Maximum attempts per call (1 disables retries); `None` keeps the SDK's standard policy.
    pub max_attempts: Option<u32>,
    /// Connect timeout; `None`: [`CONNECT_TIMEOUT`].
    pub connect_timeout: Option<Duration>,
    /// Per-attempt timeout; `None`: [`ATTEMPT_TIMEOUT`].
    pub attempt_timeout: Option<Duration>,
    /// Whole-call timeout (all attempts); `None`: [`OPERATION_TIMEOUT`].
    pub operation_timeout: Option<Duration>,
}

impl Connection {
    /// The timeouts every client gets: no call can wait forever.
    pub fn timeouts(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout.unwrap_or(CONNECT_TIMEOUT))
            .operation_attempt_timeout(self.attempt_timeout.unwrap_or(ATTEMPT_TIMEOUT))
            .operation_timeout(self.operation_timeout.unwrap_or(OPERATION_TIMEOUT))
            .build()
    }
}

/// The clients, shared by every kind.
#[derive(Debug, Clone)]
pub struct AwsContext {
    pub ec2: aws_sdk_ec2::Client,
    pub s3: aws_sdk_s3::Client,
    pub iam: aws_sdk_iam::Client,
    pub rds: aws_sdk_rds::Client,
    pub elasticache: aws_sdk_elasticache::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    pub budgets: aws_sdk_budgets::Client,
    pub sts: aws_sdk_sts::Client,
    pub region: String,
    pub calls: CallCounter,
}

impl AwsContext {
    /// Builds the clients. S3 uses path-style addressing whenever an endpoint is overridden.
    pub async fn connect(conn: &Connection) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(DEFAULT_REGION))
            .timeout_config(conn.timeouts());
        if let Some(endpoint) = &conn.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if conn.static_credentials {
            loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
                "plinth-local",
                "plinth-local",
                None,
                None,
                "plinth-static",
            ));
        }
        if let Some(n) = conn.max_attempts {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(n.max(1)));
        }
        let sdk = loader.load().await;
        Self::from_sdk_config(&sdk)
    }

    pub fn from_sdk_config(sdk: &SdkConfig) -> Self {
        let calls = CallCounter::default();
        let path_style = sdk.endpoint_url().is_some();
        let s3 = aws_sdk_s3::config::Builder::from(sdk).force_path_style(path_style).interceptor(calls.clone()).build();
        macro_rules! client {
            ($krate:ident) => {
                $krate::Client::from_conf($krate::config::Builder::from(sdk).interceptor(calls.clone()).build())
            };
        }
        Self {
            rds: client!(aws_sdk_rds),
            elasticache: client!(aws_sdk_elasticache),
            secrets: client!(aws_sdk_secretsmanager),
            ssm: client!(aws_sdk_ssm),
            wafv2: client!(aws_sdk_wafv2),
            budgets: client!(aws_sdk_budgets),
            sts: client!(aws_sdk_sts),
            ec2: client!(aws_sdk_ec2),
            s3: aws_sdk_s3::Client::from_conf(s3),
            iam: client!(aws_sdk_iam),
            region: sdk.region().map(|r| r.to_string()).unwrap_or_else(|| DEFAULT_REGION.to_string()),
            calls,
        }
    }
}
