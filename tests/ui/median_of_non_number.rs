use dataflow::prelude::*;

struct Person {
    city: String,
    name: String,
}

fn main() {
    let people = vec![Person { city: "Oslo".into(), name: "Ada".into() }];
    let _job = pipeline! {
        from_collection(people) -> key_by(|p: &Person| p.city.clone()) -> median(|p: &Person| p.name.clone()) -> collect();
    };
}
