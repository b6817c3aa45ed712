//! What a kind declares for the conformance suite: inputs as the engine would send them, the
//! in-place updates to try, how its `find` looks objects up, and the emulator's gaps.

use engine::{Resource, Stack};
use serde_json::Value;
use std::fmt;

use super::live_tags::TagSource;
use crate::STACK;

/// The stack's default tags in every fixture (merged by `engine::Stack`, as a program's are).
pub const DEFAULT_TAGS: &[(&str, &str)] = &[("Environment", "local"), ("Project", "plinth-conformance")];

/// The stack the "another stack's object" look-alike belongs to.
pub const OTHER_STACK: &str = "e2e-other";

/// One step of the suite, as named in reports and skip lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    ReadAfterCreate,
    TagsAtCreation,
    FindAdopts,
    /// `find` as another resource of the same stack (another `plinth:name`) refuses the object.
    FindRefusesOtherName,
    /// The update the fixture declared under this label, read back.
    Update(&'static str),
    Delete,
    ReadAfterDelete,
    DeleteAgain,
    FindAfterDelete,
    Refuse(LookAlike),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Update(label) => write!(f, "update `{label}`"),
            Step::Refuse(look_alike) => write!(f, "find refuses {look_alike}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// An object that looks like the fixture's but must not be adopted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookAlike {
    /// Same `plinth:name`, `plinth:stack` of [`OTHER_STACK`].
    OtherStack,
    /// `plinth:name` only, no `plinth:stack` (what a hand-made copy of a tag looks like).
    NameTagOnly,
    /// The same object without any `plinth:*` tag (made out of band).
    NoPlinthTags,
}

impl LookAlike {
    pub const ALL: [LookAlike; 3] = [LookAlike::OtherStack, LookAlike::NameTagOnly, LookAlike::NoPlinthTags];

    /// `inputs` with this look-alike's tags instead of the fixture's, and the stack it claims.
    pub fn inputs(self, inputs: &Value) -> (Value, String) {
        let mut inputs = inputs.clone();
        let stack = match self {
            LookAlike::OtherStack => OTHER_STACK,
            LookAlike::NameTagOnly | LookAlike::NoPlinthTags => "out-of-band",
        };
        if let Some(Value::Object(tags)) = inputs.get_mut("tags") {
            match self {
                LookAlike::OtherStack => {
                    tags.insert(engine::STACK_TAG.into(), Value::String(OTHER_STACK.into()));
                }
                LookAlike::NameTagOnly => {
                    tags.remove(engine::STACK_TAG);
                }
                LookAlike::NoPlinthTags => {
                    tags.remove(engine::STACK_TAG);
                    tags.remove(engine::NAME_TAG);
                }
            }
        }
        (inputs, stack.to_string())
    }
}

impl fmt::Display for LookAlike {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LookAlike::OtherStack => "another stack's object",
            LookAlike::NameTagOnly => "an object with plinth:name but no plinth:stack",
            LookAlike::NoPlinthTags => "a look-alike without plinth:* tags",
        })
    }
}

/// How the kind's `find` looks an object up, which decides what a refusal may look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// By tag filter: an object that does not prove ownership may simply not be found (`Ok(None)`).
    Tags,
    /// By a name unique in the account: a look-alike holding the name is `Err(NotOwned)`.
    UniqueName,
}

/// A kind's fixture: everything the suite needs to run it.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub kind: &'static str,
    /// The logical name (`plinth:name`).
    pub name: String,
    /// The inputs as the engine sends them (stack default tags and `plinth:*` merged).
    pub inputs: Value,
    pub replace_fields: &'static [&'static str],
    /// In-place updates, applied in order, each from the previous inputs.
    pub updates: Vec<(&'static str, Value)>,
    pub identity: Identity,
    pub tags: TagSource,
    /// Steps the emulator cannot do, with the reason: each must fail there.
    pub skips: Vec<(Step, &'static str)>,
    /// Inputs a look-alike starts from instead of [`Fixture::inputs`] (before its tags change).
    pub look_alike_bases: Vec<(LookAlike, Value)>,
    /// The kind adopts an object AWS made and keeps (a VPC's default security group or network
    /// ACL): its delete removes Plinth's tags and the object stays, and its look-alikes are that
    /// same object carrying the look-alike's tags (see `run`).
    pub adopts: bool,
}

impl Fixture {
    /// The fixture of `R` for resource `name` of [`STACK`], declared as a program would.
    pub fn new<R: Resource>(name: &str, identity: Identity, tags: TagSource, inputs: R) -> Self {
        Fixture {
            kind: R::KIND,
            name: name.to_string(),
            inputs: declare(name, inputs),
            replace_fields: R::REPLACE_FIELDS,
            updates: Vec::new(),
            identity,
            tags,
            skips: Vec::new(),
            look_alike_bases: Vec::new(),
            adopts: false,
        }
    }

    /// Marks the kind as one that adopts an object AWS made and never deletes it ([`Fixture::adopts`]).
    pub fn adopting(mut self) -> Self {
        self.adopts = true;
        self
    }

    /// Adds an in-place update to `inputs` (declared under the same name).
    pub fn update<R: Resource>(mut self, label: &'static str, inputs: R) -> Self {
        assert_eq!(R::KIND, self.kind, "update `{label}` of the {} fixture declares another kind", self.kind);
        self.updates.push((label, declare(&self.name, inputs)));
        self
    }

    /// Lists `step` as one the emulator cannot do, with the reason (the step must fail there).
    pub fn skip(mut self, step: Step, why: &'static str) -> Self {
        self.skips.push((step, why));
        self
    }

    /// Makes `look_alike` from `inputs` (its tags then changed as usual), for a kind whose
    /// objects cannot all share the fixture's dependencies.
    pub fn look_alike_from<R: Resource>(mut self, look_alike: LookAlike, inputs: R) -> Self {
        assert_eq!(R::KIND, self.kind, "the {look_alike} of the {} fixture declares another kind", self.kind);
        self.look_alike_bases.push((look_alike, declare(&self.name, inputs)));
        self
    }

    /// The inputs `look_alike` is made from: its tags changed, and the stack it claims.
    pub fn look_alike_inputs(&self, look_alike: LookAlike) -> (Value, String) {
        let base = self.look_alike_bases.iter().find(|(l, _)| *l == look_alike).map(|(_, v)| v);
        look_alike.inputs(base.unwrap_or(&self.inputs))
    }

    pub fn skipped(&self, step: Step) -> Option<&'static str> {
        self.skips.iter().find(|(s, _)| *s == step).map(|(_, why)| *why)
    }
}

/// `inputs` as `engine::Stack::add` hands them to the engine; panics if the kind's own
/// validation refuses them (a broken fixture, not a failing kind).
fn declare<R: Resource>(name: &str, inputs: R) -> Value {
    let mut stack = Stack::new(STACK);
    for (key, value) in DEFAULT_TAGS {
        stack.default_tag(*key, *value);
    }
    stack.add(name, inputs);
    let node = stack.nodes().remove(0);
    assert!(node.problems.is_empty(), "{} fixture `{name}` is invalid: {:?}", R::KIND, node.problems);
    node.inputs
}
