//! What a job says about itself: `explain()` text, the plan as Mermaid and dot pictures, and
//! per-stage metrics after a run, named as `explain()` names the stages.

use dataflow::prelude::*;

#[test]
fn pictures_and_stage_metrics_of_a_join() {
    let job = pipeline! {
        #![progress = false]
        let orders = from_collection((0u32..1000).map(|i| (i % 10, i)).collect::<Vec<_>>());
        let names = from_collection((0u32..10).map(|k| (k, format!("n{k}"))).collect::<Vec<_>>());
        orders -> join(names, |o: &(u32, u32)| o.0, |n: &(u32, String)| n.0) -> count();
    };
    let text = job.explain();
    let mermaid = job.explain_mermaid();
    let dot = job.explain_dot();
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(mermaid.contains("-- \"hash exchange\" -->"), "{mermaid}");
    assert!(dot.starts_with("digraph plan {"), "{dot}");
    assert!(dot.contains("label=\"hash exchange\""), "{dot}");
    let (n, metrics) = job.run_with_metrics().unwrap();
    assert_eq!(n, 1000);
    // One entry per stage of the plan, titled as `explain()` titles it.
    let titles: Vec<&str> = text.lines().filter(|l| l.starts_with("Stage ")).collect();
    assert_eq!(metrics.stages.len(), titles.len(), "{text}\n{metrics:?}");
    for (stage, title) in metrics.stages.iter().zip(&titles) {
        assert_eq!(stage.label, *title);
    }
    let annotated = metrics.annotate(&mermaid);
    assert!(annotated.contains("[\"Stage 1: 1000 in"), "{annotated}");
}
