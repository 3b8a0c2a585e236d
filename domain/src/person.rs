//! A person a customer names as its contact for something: who reported an incident, who owns a
//! service during maintenance.

use serde::{Deserialize, Serialize};

/// A customer-side person: name, email and phone, as given (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub phone: String,
}

impl Person {
    pub fn new(name: &str, email: &str, phone: &str) -> Self {
        Self {
            name: name.trim().to_owned(),
            email: email.trim().to_owned(),
            phone: phone.trim().to_owned(),
        }
    }
}

/// The customer-side person who reported an incident.
pub type Reporter = Person;

/// The person responsible for a service on the customer side, during a maintenance window.
pub type ServiceOwner = Person;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_trimmed() {
        let p = Person::new(" Bob ", " bob@acme.example", "+44 20 7946 0000 ");
        assert_eq!(
            (p.name.as_str(), p.email.as_str(), p.phone.as_str()),
            ("Bob", "bob@acme.example", "+44 20 7946 0000")
        );
    }
}
