use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        read_csv::<(String, u32)>("input.csv", delimeter = b';') -> collect();
    };
}
