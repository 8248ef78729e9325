// BOOTSTRAP ONLY: replaced by scripts/benchmark.sh before commit.
use frame_support::weights::Weight;
pub trait WeightInfo {
	fn register_organisation() -> Weight;
	fn register_practitioner() -> Weight;
	fn update_credential() -> Weight;
	fn approve() -> Weight;
	fn suspend() -> Weight;
	fn reinstate() -> Weight;
	fn revoke() -> Weight;
}
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);
impl<T> WeightInfo for SubstrateWeight<T> {
	fn register_organisation() -> Weight { Weight::zero() }
	fn register_practitioner() -> Weight { Weight::zero() }
	fn update_credential() -> Weight { Weight::zero() }
	fn approve() -> Weight { Weight::zero() }
	fn suspend() -> Weight { Weight::zero() }
	fn reinstate() -> Weight { Weight::zero() }
	fn revoke() -> Weight { Weight::zero() }
}
impl WeightInfo for () {
	fn register_organisation() -> Weight { Weight::zero() }
	fn register_practitioner() -> Weight { Weight::zero() }
	fn update_credential() -> Weight { Weight::zero() }
	fn approve() -> Weight { Weight::zero() }
	fn suspend() -> Weight { Weight::zero() }
	fn reinstate() -> Weight { Weight::zero() }
	fn revoke() -> Weight { Weight::zero() }
}
