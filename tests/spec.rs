//! the spec cases of `tests/shared/spec_cases.rs`, each a named test run whole, one byte
//! per call, and at every split point, with and without comment reporting.

mod common;

use common::{assert_parses_to, Item, Outcome};

fn event(event_type: &str, data: &str, id: &str) -> Item {
    Item::Event {
        event_type: event_type.to_owned(),
        data: data.to_owned(),
        id: id.to_owned(),
    }
}

fn retry(ms: u64) -> Item {
    Item::Retry(ms)
}

fn comment(text: &str) -> Item {
    Item::Comment(text.to_owned())
}

macro_rules! spec_cases {
    ($($name:ident: $input:expr => [$($item:expr),* $(,)?], $last:expr;)*) => {
        $(
            #[test]
            fn $name() {
                // The end-of-stream verdict comes from the model here; it has
                // named cases of its own in `tests/end.rs`.
                let model = common::reference::parse($input, common::Limits::UNBOUNDED);
                let expected = Outcome {
                    items: vec![$($item),*],
                    last_event_id: $last.to_owned(),
                    end: model.end,
                };
                assert_parses_to($input, &expected);
                // The piece parser, with no data buffer, agrees.
                common::assert_pieces_give($input, &expected);
                // The plain model must agree with every case too, or the
                // model tests would prove nothing.
                assert_eq!(model, expected, "reference model");
            }
        )*

        /// Every case's input, for tests that sweep them all.
        #[allow(dead_code)]
        const INPUTS: &[&[u8]] = &[$($input),*];

        #[test]
        fn there_are_at_least_80_cases() {
            assert!(INPUTS.len() >= 80, "{} cases", INPUTS.len());
        }
    };
}

include!("shared/spec_cases.rs");
