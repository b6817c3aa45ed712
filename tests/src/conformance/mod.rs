//! The conformance suite: one contract every resource kind is checked against on the emulator.
//!
//! A kind declares a [`Fixture`] (its inputs, the dependencies it needs created first, the
//! in-place updates to try, and the steps the emulator cannot do); [`check`] does the rest,
//! through the kind's entry in `resources::registry()` (the erased, JSON view the engine uses):
//!
//! 1. create → read matches the inputs (no field difference by `engine::diff`, same outputs);
//! 2. the object carries exactly the tags the engine merged in (`plinth:stack`, `plinth:name`,
//!    the stack's default tags, the program's), as an independent SDK client reads them
//!    ([`live_tags`]);
//! 3. `find` adopts the object (same cloud id), and refuses it when asked as another resource
//!    (another `plinth:name`) of the same stack;
//! 4. each declared update runs in place (it must not touch a replace-forcing field), keeps the
//!    cloud id, and reads back equal to its inputs; a tag change is checked on the live object;
//! 5. delete → read gives `None` → delete again is Ok → `find` gives `None`;
//! 6. three look-alikes made with the kind's own create but other tags — another stack's object,
//!    one with only `plinth:name`, one with no `plinth:*` tag — are each refused by `find`:
//!    `Err(NotOwned)`, or `Ok(None)` for a kind that finds by tag filter ([`Identity::Tags`]).
//!
//! Kinds that adopt an object AWS made and keeps ([`Fixture::adopts`]: a VPC's default security
//! group and network ACL) follow two adjusted rules. Step 5's read after delete must still see
//! the object, without the resource's `plinth:*` tags (delete released it; `None` fails, since
//! the object must stay). Step 6's look-alikes cannot be made by the kind's create (it refuses to
//! adopt for another stack, and AWS makes one default object per VPC): each is the released
//! object itself, given the look-alike's tags by an independent client, then stripped again.
//!
//! # Guarantees
//! * Every step runs and is reported (printed per kind); the test fails on any step that fails
//!   unless the fixture lists it as an emulator gap — and a listed step that passes fails the
//!   test too ("move it out of the list"), as does a listed step the suite never ran. A skipped
//!   step is never counted as a pass.
//!
//! # Assumptions
//! * One private emulator per test (so the look-alikes can reuse the fixture's unique names once
//!   the fixture's own object is deleted); kinds' `create` take their tags from the inputs only.

mod fixture;
pub mod fixtures;
mod live_tags;
mod run;

pub use fixture::{Fixture, Identity, LookAlike, Step, DEFAULT_TAGS, OTHER_STACK};
pub use live_tags::{live_tags, TagSource};
pub use run::check;
