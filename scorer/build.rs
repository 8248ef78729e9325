//! The embedded model lives outside this package (`model/`); cargo does not see a change to a
//! file `include_bytes!` reads from there, so name them.
fn main() {
	for file in ["anomaly.onnx", "anomaly.onnx.sha256", "reference.json"] {
		println!("cargo:rerun-if-changed=../model/{file}");
	}
}
