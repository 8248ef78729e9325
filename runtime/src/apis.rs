//! The runtime APIs: what the node, Polkadot.js Apps, polkadot-api and integrators call.

use super::*;
// `vec!`: the revive macro's expansion uses it.
use alloc::{vec, vec::Vec};
use ehr_primitives::{calibration::PeerGroupState, providers::PractitionerRole};
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
// The revive macro expands to `impl_runtime_apis!`.
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult, ExtrinsicInclusionMode,
};
use sp_version::RuntimeVersion;

// `impl_runtime_apis!` with pallet-revive's runtime APIs (what contract tools and an Ethereum
// RPC call: dry runs, uploads, gas estimates, balances by address).
pallet_revive::impl_runtime_apis_plus_revive_traits! {
	Runtime,
	Revive,
	Executive,
	EthExtraImpl,

	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	// Metadata v14, v15 and v16 (v15+ carry the runtime APIs' metadata, which polkadot-api reads).
	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			opaque::SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			opaque::SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		// Equivocations are not reported on chain (see `pallet_grandpa::Config` above).
		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			None
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			_authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			None
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_providers::runtime_api::ProvidersApi<Block, AccountId, Balance> for Runtime {
		fn organisation(who: AccountId) -> Option<pallet_providers::OrganisationOf<Runtime>> {
			pallet_providers::Organisations::<Runtime>::get(who)
		}

		fn practitioner(who: AccountId) -> Option<pallet_providers::PractitionerOf<Runtime>> {
			pallet_providers::Practitioners::<Runtime>::get(who)
		}

		fn practitioner_access(
			who: AccountId,
		) -> Result<pallet_providers::ActivePractitioner<AccountId>, pallet_providers::ProviderDenial> {
			Providers::practitioner_access(&who)
		}
	}

	impl pallet_consent::runtime_api::ConsentApi<Block, AccountId> for Runtime {
		fn consents_of(patient: AccountId) -> Vec<pallet_consent::ConsentInfo<AccountId>> {
			Consent::consents_of(&patient)
		}

		fn consents_to(
			grantee: pallet_consent::Grantee<AccountId>,
			start_after: Option<AccountId>,
			limit: u32,
		) -> Vec<pallet_consent::ConsentInfo<AccountId>> {
			Consent::consents_to(&grantee, start_after, limit)
		}

		fn check(
			patient: AccountId,
			practitioner: AccountId,
			organisation: AccountId,
			category: pallet_consent::Category,
			purpose: pallet_consent::Purpose,
		) -> Result<pallet_consent::ConsentMatch, pallet_consent::ConsentDenial> {
			Consent::check_now(&patient, &practitioner, &organisation, category, purpose)
		}

		fn guardians_of(patient: AccountId) -> Vec<pallet_consent::Guardianship<AccountId>> {
			pallet_consent::Guardians::<Runtime>::get(patient).into_inner()
		}

		fn break_glass_policy(patient: AccountId) -> pallet_consent::BreakGlassPolicy {
			pallet_consent::BreakGlass::<Runtime>::get(patient)
		}

		fn restriction_of(patient: AccountId) -> Option<pallet_consent::Restriction<AccountId>> {
			pallet_consent::Restrictions::<Runtime>::get(patient)
		}
	}

	impl pallet_records::runtime_api::RecordsApi<Block, AccountId> for Runtime {
		fn verify_record(
			patient: AccountId,
			record_id: pallet_records::RecordId,
			content_hash: pallet_records::ContentHash,
		) -> pallet_records::RecordVerdict {
			Records::verify_record(&patient, record_id, content_hash)
		}

		fn record(
			patient: AccountId,
			record_id: pallet_records::RecordId,
		) -> Option<pallet_records::RecordInfo<AccountId>> {
			Records::record_info(&patient, record_id)
		}

		fn records_of(
			patient: AccountId,
			start_after: Option<pallet_records::RecordId>,
			limit: u32,
		) -> Vec<pallet_records::RecordInfo<AccountId>> {
			Records::records_of(&patient, start_after, limit)
		}

		fn overdue_erasures(
			start_after: Option<(AccountId, pallet_records::ErasureTarget)>,
			limit: u32,
		) -> Vec<pallet_records::OverdueErasure<AccountId>> {
			Records::overdue_erasures(start_after, limit)
		}
	}

	impl pallet_audit::runtime_api::AuditApi<Block, AccountId> for Runtime {
		fn accesses_of(
			patient: AccountId,
			from: pallet_audit::AccessSeq,
			limit: u32,
		) -> Vec<pallet_audit::AccessDecision<AccountId>> {
			Audit::accesses_of(&patient, from, limit)
		}

		fn window_of(practitioner: AccountId) -> Vec<pallet_audit::AccessDecision<AccountId>> {
			Audit::window_of(&practitioner)
		}

		fn touched() -> Vec<AccountId> {
			pallet_audit::Touched::<Runtime>::get().into_inner()
		}

		fn pending_review(
			access: pallet_audit::EmergencyAccessId,
		) -> Option<pallet_audit::EmergencyAccess<AccountId>> {
			pallet_audit::PendingReviews::<Runtime>::get(access)
		}
	}

	impl pallet_sentinel::runtime_api::SentinelApi<Block, AccountId, BlockNumber> for Runtime {
		fn awaiting_review() -> Vec<(AccountId, BlockNumber)> {
			Sentinel::awaiting_review()
		}

		fn flagged_for_review() -> Vec<(AccountId, pallet_sentinel::Flag<BlockNumber>)> {
			Sentinel::flagged_for_review()
		}

		fn peer_group(organisation: AccountId, role: PractitionerRole) -> PeerGroupState {
			Sentinel::peer_group(&organisation, role)
		}

		fn peer_groups() -> Vec<(AccountId, PractitionerRole, PeerGroupState)> {
			Sentinel::peer_groups()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::BenchmarkList;
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::Pallet as SystemBench;

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);
			(list, AllPalletsWithSystem::storage_info())
		}

		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig,
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::BenchmarkBatch;
			use frame_support::traits::WhitelistedStorageKeys;
			use frame_system_benchmarking::Pallet as SystemBench;

			let whitelist = AllPalletsWithSystem::whitelisted_storage_keys();
			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);
			Ok(batches)
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			genesis_config_presets::preset_names()
		}
	}
}
