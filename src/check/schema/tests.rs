//! The schema's vocabulary agrees with the model's keyword tables and the checker's readers.

use super::*;

#[test]
fn every_strategy_kind_has_its_settings_and_a_model_keyword() {
    for kind in STRATEGY_KINDS {
        assert!(strategy_kind(kind).is_some(), "{kind} has no schema");
        assert_eq!(template_family(kind), Some("strategy"));
    }
}

#[test]
fn the_policy_language_knows_every_trigger_and_promotion() {
    assert_eq!(POLICY_TRIGGERS, ["push", "tag", "manual", "promotion"]);
}

#[test]
fn a_keyword_table_lists_its_words_in_order() {
    assert_eq!(spellings!(model::OnFailure::KEYWORDS), ["rollback", "halt"]);
    assert_eq!(TOOLCHAIN_KINDS.len(), model::ToolchainKind::ALL.len());
}

#[test]
fn fields_that_name_declarations_name_a_declaration_kind() {
    let fields = [
        (for_path(&["service"]), "depends_on", "service"),
        (for_path(&["environment"]), "after", "environment"),
        (for_path(&["environment"]), "override", "service"),
        (
            for_path(&["environment", "override"]),
            "strategy",
            "strategy",
        ),
    ];
    for (schema, name, kind) in fields {
        let field = schema.and_then(|schema| schema.field(name));
        assert_eq!(field.and_then(|field| field.names), Some(kind), "{name}");
    }
}
