//! Typed platform-specific settings, attached to a pipeline, job or step without the portable
//! model knowing the platforms: each backend defines its own settings types and reads them back
//! by type.
//!
//! ```
//! use pipeline_core::prelude::*;
//!
//! /// Settings a (hypothetical) backend reads.
//! #[derive(Clone, Debug, PartialEq)]
//! struct Interruptible(bool);
//!
//! let job = Job::new("test").extend(Interruptible(true)).step(Step::script("make test"));
//! assert_eq!(job.extensions.get::<Interruptible>(), Some(&Interruptible(true)));
//! assert_eq!(job.extensions.get::<String>(), None);
//! # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
//! ```

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;

/// A value that can be stored in [`Extensions`]: any `Clone + PartialEq + Debug` type.
pub trait Extension: Any + fmt::Debug {
    /// A boxed clone.
    fn clone_box(&self) -> Box<dyn Extension>;
    /// Equality with another extension (false when the types differ).
    fn eq_dyn(&self, other: &dyn Extension) -> bool;
    /// As `Any`, to downcast.
    fn as_any(&self) -> &dyn Any;
    /// As mutable `Any`, to downcast.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// As a boxed `Any`, to take it out.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: Any + Clone + PartialEq + fmt::Debug> Extension for T {
    fn clone_box(&self) -> Box<dyn Extension> {
        Box::new(self.clone())
    }

    fn eq_dyn(&self, other: &dyn Extension) -> bool {
        other.as_any().downcast_ref::<T>().is_some_and(|o| o == self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// A set of typed settings, at most one per type.
#[derive(Default)]
pub struct Extensions(BTreeMap<TypeKey, Box<dyn Extension>>);

/// Orders by type name first so iteration (and so any output derived from it) is stable.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct TypeKey(&'static str, TypeId);

impl TypeKey {
    fn of<T: Any>() -> Self {
        TypeKey(std::any::type_name::<T>(), TypeId::of::<T>())
    }
}

impl Extensions {
    /// No settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `value`, replacing a value of the same type.
    pub fn insert<T: Extension + Clone + PartialEq>(&mut self, value: T) {
        self.0.insert(TypeKey::of::<T>(), Box::new(value));
    }

    /// The value of type `T`, if set.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.get(&TypeKey::of::<T>()).and_then(|b| b.as_any().downcast_ref())
    }

    /// The value of type `T`, mutably, if set.
    pub fn get_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.0
            .get_mut(&TypeKey::of::<T>())
            .and_then(|b| b.as_any_mut().downcast_mut())
    }

    /// Removes and returns the value of type `T`.
    pub fn remove<T: Any>(&mut self) -> Option<T> {
        let boxed = self.0.remove(&TypeKey::of::<T>())?;
        boxed.into_any().downcast::<T>().ok().map(|b| *b)
    }

    /// Whether there are no settings.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many settings.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl Clone for Extensions {
    fn clone(&self) -> Self {
        Self(self.0.iter().map(|(k, v)| (*k, v.clone_box())).collect())
    }
}

impl PartialEq for Extensions {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((ka, a), (kb, b))| ka == kb && a.eq_dyn(b.as_ref()))
    }
}

impl Eq for Extensions {}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.values()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct A(u8);
    #[derive(Clone, Debug, PartialEq)]
    struct B(&'static str);

    #[test]
    fn typed_storage() {
        let mut e = Extensions::new();
        e.insert(A(1));
        e.insert(B("x"));
        e.insert(A(2));
        assert_eq!(e.len(), 2);
        assert_eq!(e.get::<A>(), Some(&A(2)));
        if let Some(b) = e.get_mut::<B>() {
            b.0 = "y";
        }
        assert_eq!(e.get::<B>(), Some(&B("y")));
        let copy = e.clone();
        assert_eq!(copy, e);
        e.insert(A(3));
        assert_ne!(copy, e);
        assert_eq!(e.remove::<A>(), Some(A(3)));
        assert_eq!(e.get::<A>(), None);
    }
}
