//! `AwsContext`: the SDK configuration every kind's client is built from (the default credential
//! chain, or an explicit endpoint for the emulator), the clients built so far (each on first
//! use, declared by its service's module), and a counter of the requests actually sent.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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

/// An SDK client built from the shared configuration the first time a kind asks for it. Each
/// service's module declares its own client with [`crate::service_client!`]: adding a service
/// never edits this file.
pub trait ServiceClient: Clone + Send + Sync + 'static {
    /// The client for `sdk`, counting its requests in `calls`.
    fn build(sdk: &SdkConfig, calls: &CallCounter) -> Self;
}

/// Declares `$krate::Client` a [`ServiceClient`] and gives [`AwsContext`] an accessor for it,
/// e.g. `service_client!(ecs, aws_sdk_ecs)` makes `cx.ecs()`. A service whose client needs more
/// than the shared configuration adds `configure: |builder, sdk| …` (S3's path-style addressing).
#[macro_export]
macro_rules! service_client {
    ($accessor:ident, $krate:ident) => {
        $crate::service_client!($accessor, $krate, configure: |builder, _sdk| builder);
    };
    ($accessor:ident, $krate:ident, configure: $configure:expr) => {
        impl $crate::context::ServiceClient for $krate::Client {
            fn build(sdk: &aws_config::SdkConfig, calls: &$crate::context::CallCounter) -> Self {
                let configure: fn($krate::config::Builder, &aws_config::SdkConfig) -> $krate::config::Builder =
                    $configure;
                let builder = configure($krate::config::Builder::from(sdk), sdk);
                $krate::Client::from_conf(builder.interceptor(calls.clone()).build())
            }
        }

        impl $crate::AwsContext {
            #[doc = concat!("The `", stringify!($krate), "` client, built on first use.")]
            pub fn $accessor(&self) -> $krate::Client {
                self.client()
            }
        }
    };
}

// The identity service: every environment checks its account with it before anything else.
service_client!(sts, aws_sdk_sts);

type Clients = HashMap<TypeId, Box<dyn Any + Send + Sync>>;

/// The shared SDK configuration and the clients built from it so far, shared by every kind.
/// Cloning is cheap and clones share the clients and the call counter.
#[derive(Clone)]
pub struct AwsContext {
    sdk: SdkConfig,
    clients: Arc<Mutex<Clients>>,
    pub region: String,
    pub calls: CallCounter,
    /// The caller's account, asked of STS once (see [`AwsContext::account_id`]).
    account: Arc<tokio::sync::OnceCell<String>>,
}

impl std::fmt::Debug for AwsContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsContext").field("region", &self.region).field("calls", &self.calls.count()).finish()
    }
}

impl AwsContext {
    /// Loads the configuration: the default credential chain (or static credentials for an
    /// emulator), the endpoint override, the retry policy and the timeouts.
    pub async fn connect(conn: &Connection) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(DEFAULT_REGION))
            .timeout_config(conn.timeouts());
        if let Some(endpoint) = &conn.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if conn.static_credentials {
            loader = loader.credentials_provider(aws_sdk_sts::config::Credentials::new(
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
        AwsContext {
            sdk: sdk.clone(),
            clients: Arc::default(),
            region: sdk.region().map(|r| r.to_string()).unwrap_or_else(|| DEFAULT_REGION.to_string()),
            calls: CallCounter::default(),
            account: Arc::default(),
        }
    }

    /// The account the credentials belong to: STS GetCallerIdentity on the first call, then
    /// the same answer for the life of the context (the credentials of one context do not move
    /// to another account). The pre-run account check asks it first, so kinds that build an
    /// ARN from the account (alarms, dashboards, budgets) usually cost no call.
    pub async fn account_id(&self) -> Result<String, engine::ProviderError> {
        let ask = || async {
            let out = self.sts().get_caller_identity().send().await;
            let out = out.map_err(|e| crate::error::classify("GetCallerIdentity", e))?;
            let account = out.account().map(str::to_string);
            account.ok_or_else(|| {
                engine::ProviderError::new(engine::ErrorClass::Other, "GetCallerIdentity answered without an account")
            })
        };
        self.account.get_or_try_init(ask).await.cloned()
    }

    /// The client of type `C`, built on the first call and shared afterwards (a clone of an SDK
    /// client shares its connection pool).
    pub fn client<C: ServiceClient>(&self) -> C {
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let client = clients.entry(TypeId::of::<C>()).or_insert_with(|| Box::new(C::build(&self.sdk, &self.calls)));
        client.downcast_ref::<C>().expect("clients are keyed by their own type").clone()
    }
}
