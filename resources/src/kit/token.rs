//! Idempotency tokens for create calls (ECS `clientToken`, ACM `IdempotencyToken`, CloudFront
//! `CallerReference`): fresh for every `create` call, so the SDK's own retries of that call send
//! the same token and AWS answers them with the first call's object.
//!
//! Why not derived from the resource's name: AWS remembers a token for hours (CloudFront for
//! ever), so a token derived from stack and name would answer a destroy-and-recreate with the
//! deleted object. A reply lost for good is not retried with the token: the engine looks the
//! object up by its tags (`find`) before it creates again.
//!
//! # Guarantees
//! * `len` lowercase hex characters from the OS random number generator.

use engine::{ErrorClass, ProviderError};

/// A fresh token of `len` hex characters (at most 64).
pub fn fresh(len: usize) -> Result<String, ProviderError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ProviderError::new(ErrorClass::Other, format!("OS random number generator: {e}")))?;
    let mut token = hex::encode(bytes);
    token.truncate(len.min(64));
    Ok(token)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_fresh_and_sized() {
        let (a, b) = (super::fresh(36).expect("token"), super::fresh(36).expect("token"));
        assert_eq!(a.len(), 36);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b, "a new create gets a new token");
    }
}
