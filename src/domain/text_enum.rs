//! A macro for the many small text-stored enumerations of the domain.

/// Defines a snake_case text enum with `as_str`, `ALL`, `DOC`, `Display`
/// and `FromStr`.
macro_rules! text_enum {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The doc comment above, line by line: the API's document
            /// describes the enumeration with it.
            pub const DOC: &'static [&'static str] = &[$($doc),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(raw: &str) -> Result<Self, String> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{other}`; expected one of {}",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

pub(crate) use text_enum;
