//! The demo's world: the Salesforce org simulator and the LMS webhook receiver on loopback,
//! the hub's configuration pointing at them, the hub itself in-process, and the wave control
//! ops use. The benchmark of a whole migration uses the same partners with a `serve` child.

use std::path::Path;
use std::sync::Arc;

use secrecy::ExposeSecret;
use switchyard_contracts::Catalog;
use switchyard_dependency_map::DependencyMap;
use switchyard_sandbox::{
    OrgConfig, RunningSimulator, SalesforceSimulator, WebhookReceiver, generate_secret,
};

use super::{DemoError, DemoOptions};
use crate::config::HubConfig;
use crate::routing::Routes;
use crate::serve::{InProcessHub, open_ledger};
use crate::waves::WaveControl;

/// The flow the CRM team changes.
pub const FLOW: &str = "Enrollment_Activation";
/// Where the org's flows leave their error traces.
pub const FLOW_ERRORS: &str = "Flow_Error__c";
/// An allowance large enough for the full 400,000-user rehearsal (an org with many licences);
/// the shipped org's 15,000 a day would pause the wave on its API budget, as it should.
const DEMO_DAILY_API_LIMIT: u64 = 5_000_000;
/// The demo's feeding: a canary start (1% of the rate, ramping up over 30 s), so the changed
/// flow is caught after a few hundred records, then fast enough for the story to take about
/// a minute.
pub const DEMO_FEED: &str = "rate = 4000\nin_flight = 1500\nramp = \"30s\"\nramp_from = 0.01\n";

/// The partner systems on loopback, and the hub's configuration for them.
pub struct Partners {
    pub simulator: RunningSimulator,
    pub receiver: WebhookReceiver,
    pub catalog: Arc<Catalog>,
    /// The hub's configuration, as TOML (its secrets are the sandbox's own, made up here).
    pub toml: String,
}

impl std::fmt::Debug for Partners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Partners").field("simulator", &self.simulator.base_url()).finish_non_exhaustive()
    }
}

impl Partners {
    /// Starts the simulator and the receiver; the hub's waves feed as `feed` (the body of
    /// `[waves.feed]`) says.
    pub async fn start(options: &DemoOptions, data_dir: &Path, feed: &str) -> Result<Partners, DemoError> {
        let mut org = OrgConfig::e_learning();
        org.daily_api_limit = DEMO_DAILY_API_LIMIT;
        let simulator = SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), org)
            .await
            .map_err(|err| DemoError::at("starting the Salesforce simulator")(err.to_string()))?;
        let secret = generate_secret();
        let receiver = WebhookReceiver::start(([127, 0, 0, 1], 0).into(), &secret)
            .await
            .map_err(|err| DemoError::at("starting the LMS receiver")(err.to_string()))?;
        let toml = config_toml(options, &simulator, &receiver, secret.expose_secret(), feed);
        let config = config_of(&toml, data_dir)?;
        let catalog = Catalog::load(config.catalog_root()).map_err(|findings| {
            DemoError::at("loading the catalog")(
                findings.first().map(ToString::to_string).unwrap_or_default(),
            )
        })?;
        Ok(Partners { simulator, receiver, catalog: Arc::new(catalog), toml })
    }

    /// The hub's configuration on `data_dir`.
    pub fn config(&self, data_dir: &Path) -> Result<HubConfig, DemoError> {
        config_of(&self.toml, data_dir)
    }

    /// Ops' hands on the waves of the ledger in `data_dir`.
    pub async fn control(&self, data_dir: &Path) -> Result<WaveControl, DemoError> {
        let config = self.config(data_dir)?;
        let store =
            open_ledger(&config).await.map_err(|err| DemoError::at("opening the ledger")(err.to_string()))?;
        let map = DependencyMap::load(config.map_root()).map_err(|findings| {
            DemoError::at("loading the map")(findings.first().map(ToString::to_string).unwrap_or_default())
        })?;
        let routes = Routes::build(&map, &self.catalog, &config).map(Arc::new);
        let max_age = config.waves.replay_max_age.get();
        Ok(WaveControl::new(store, Arc::clone(&self.catalog), Arc::new(map), routes, max_age))
    }
}

/// The partners, the hub in this process, and the control.
pub struct Rig {
    pub partners: Partners,
    pub hub: InProcessHub,
    pub control: WaveControl,
}

impl std::fmt::Debug for Rig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rig").field("hub", &self.hub).finish_non_exhaustive()
    }
}

impl Rig {
    pub fn simulator(&self) -> &RunningSimulator {
        &self.partners.simulator
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.partners.catalog
    }
}

/// Starts the partners and the hub on `data_dir`.
pub async fn start(options: &DemoOptions, data_dir: &Path, feed: &str) -> Result<Rig, DemoError> {
    let partners = Partners::start(options, data_dir, feed).await?;
    let control = partners.control(data_dir).await?;
    let hub = InProcessHub::start(partners.config(data_dir)?)
        .await
        .map_err(|err| DemoError::at("starting the hub")(err.to_string()))?;
    Ok(Rig { partners, hub, control })
}

/// The hub's settings for the demo: both systems on loopback, read-backs at once, a quick
/// wave tick, and the feeding given.
fn config_toml(
    options: &DemoOptions,
    simulator: &RunningSimulator,
    receiver: &WebhookReceiver,
    secret: &str,
    feed: &str,
) -> String {
    format!(
        "listen = \"{listen}\"\n\
         [delivery]\nlinger_ms = 20\n\
         [workers]\npoll_interval = \"20ms\"\nsweep_interval = \"1s\"\n\
         [waves]\ntick = \"200ms\"\n\
         [waves.feed]\n{feed}\
         [systems.salesforce]\nadapter = \"salesforce\"\n\
         [systems.salesforce.salesforce]\ntoken_url = \"{sf}/services/oauth2/token\"\n\
         client_id = \"switchyard-sandbox\"\nclient_secret = \"sandbox-secret\"\nallow_list = [\"127.0.0.0/8\"]\n\
         max_concurrency = 8\n\
         objects = [{{ object = \"Contact\", external_id_field = \"Legacy_Id__c\" }},\n\
                    {{ object = \"Enrollment__c\", external_id_field = \"Legacy_Id__c\" }},\n\
                    {{ object = \"Payment__c\", external_id_field = \"Legacy_Id__c\" }}]\n\
         [systems.salesforce.delivery]\nconcurrency = 8\n\
         [systems.salesforce.verification]\ndelay = \"0s\"\nrecheck = \"200ms\"\nbatch_size = 1000\n\
         [systems.lms]\nadapter = \"webhook\"\n\
         [systems.lms.delivery]\nconcurrency = 4\nbatch_size = 1000\n\
         [systems.lms.webhook]\nurl = \"{lms}\"\nsecrets = [\"{secret}\"]\nallow_list = [\"127.0.0.0/8\"]\n\
         mode = \"batch\"\nrate_limit_per_second = 100000\ntimeout_ms = 10000\n",
        listen = options.listen,
        sf = simulator.base_url(),
        lms = receiver.url(),
    )
}

fn config_of(toml: &str, data_dir: &Path) -> Result<HubConfig, DemoError> {
    let mut config =
        HubConfig::from_toml(toml).map_err(|err| DemoError::at("configuring the hub")(err.to_string()))?;
    config.data_dir = data_dir.to_owned();
    Ok(config)
}
