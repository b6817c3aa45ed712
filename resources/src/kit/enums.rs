//! AWS enumerations as Rust enums: a program writes `TimeUnit::Monthly`, not `"MONTHLY"`, so a
//! typo does not compile and kinds need not re-validate strings. Each variant serializes as the
//! AWS string it stands for, exactly as the string fields these enums replaced did, so state files
//! written before still read.

/// `aws_enum! { /// doc  pub enum Name: sdk::Type { Variant = "AWS_STRING", .. } }`: the enum,
/// its serde form (the AWS strings), `as_str`, `to_sdk` and `from_sdk` (`None` for a value Plinth
/// does not model). The first variant is the default.
macro_rules! aws_enum {
    ($(#[$meta:meta])* pub enum $name:ident : $sdk:ty { $first:ident = $first_s:literal $(, $variant:ident = $s:literal)* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            #[default]
            #[serde(rename = $first_s)]
            $first,
            $(#[serde(rename = $s)] $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$name::$first $(, $name::$variant)*];

            /// The AWS spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $name::$first => $first_s,
                    $($name::$variant => $s,)*
                }
            }

            /// The SDK's value.
            pub fn to_sdk(self) -> $sdk {
                <$sdk>::from(self.as_str())
            }

            /// The value the SDK reported, if Plinth models it.
            #[allow(clippy::ptr_arg)] // `$sdk` is `String` for enums the SDK keeps as strings.
            pub fn from_sdk(value: &$sdk) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == value.as_str())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use aws_enum;

#[cfg(test)]
mod tests {
    aws_enum! {
        /// A test enum over an SDK enum.
        pub enum Unit: aws_sdk_budgets::types::TimeUnit { Monthly = "MONTHLY", Daily = "DAILY" }
    }

    #[test]
    fn serialized_form_is_the_aws_string_and_old_state_reads() {
        assert_eq!(serde_json::to_value(Unit::Daily).expect("json"), serde_json::json!("DAILY"));
        assert_eq!(serde_json::from_value::<Unit>(serde_json::json!("MONTHLY")).expect("reads"), Unit::Monthly);
        assert!(serde_json::from_value::<Unit>(serde_json::json!("WEEKLY")).is_err(), "unknown values are refused");
        assert_eq!(Unit::default(), Unit::Monthly);
        assert_eq!(Unit::from_sdk(&Unit::Daily.to_sdk()), Some(Unit::Daily));
        assert_eq!(Unit::from_sdk(&aws_sdk_budgets::types::TimeUnit::Annually), None);
    }
}
