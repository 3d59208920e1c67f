//! Who is asking, and what they may do: the caller of every use case.
//!
//! Front doors authenticate (a bearer token, an API key, a signed request) and hand
//! the use cases an [`Actor`]; the use cases check the rights they need, so that a
//! rule holds whichever door a request came through.

use crate::error::{Code, Result, ServiceError};
use bourse_store::Role;
use bourse_types::OwnerId;

/// What a key or token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub read: bool,
    pub trade: bool,
}

impl Scopes {
    pub const ALL: Scopes = Scopes {
        read: true,
        trade: true,
    };

    /// The names, for keys: `read`, `trade`.
    pub const NAMES: [&'static str; 2] = ["read", "trade"];

    pub fn parse(text: &str) -> Option<Scopes> {
        let mut scopes = Scopes {
            read: false,
            trade: false,
        };
        for scope in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match scope {
                "read" => scopes.read = true,
                "trade" => scopes.trade = true,
                _ => return None,
            }
        }
        (scopes.read || scopes.trade).then_some(scopes)
    }

    pub fn to_list(self) -> Vec<String> {
        let mut list = Vec::new();
        if self.read {
            list.push("read".to_string());
        }
        if self.trade {
            list.push("trade".to_string());
        }
        list
    }
}

/// The authenticated caller, and the account it acts on: the user's main account
/// (the engine owner with the user's id) unless a front door chose one of the user's
/// sub-accounts ([`crate::Service::in_account`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: u64,
    pub role: Role,
    pub scopes: Scopes,
    pub via_api_key: bool,
    /// The engine owner whose money, orders and positions the use cases act on.
    pub owner: OwnerId,
}

impl Actor {
    /// A user acting on their main account.
    pub fn new(user_id: u64, role: Role, scopes: Scopes, via_api_key: bool) -> Actor {
        Actor {
            user_id,
            role,
            scopes,
            via_api_key,
            owner: OwnerId(user_id),
        }
    }

    /// Reading one's own account needs the `read` scope.
    pub fn require_read(&self) -> Result<()> {
        if self.scopes.read {
            Ok(())
        } else {
            Err(ServiceError::new(
                Code::InsufficientScope,
                "this API key lacks the `read` scope",
            ))
        }
    }

    /// Trading needs the `trade` scope and a trading role.
    pub fn require_trade(&self) -> Result<()> {
        if !self.scopes.trade {
            return Err(ServiceError::new(
                Code::InsufficientScope,
                "this API key lacks the `trade` scope",
            ));
        }
        if !matches!(self.role, Role::Admin | Role::Trader) {
            return Err(ServiceError::new(
                Code::Forbidden,
                format!("the {} role may not trade", self.role.as_str()),
            ));
        }
        Ok(())
    }

    pub fn require_role(&self, allowed: &[Role]) -> Result<()> {
        if allowed.contains(&self.role) {
            return Ok(());
        }
        Err(ServiceError::new(
            Code::Forbidden,
            format!(
                "this needs one of the roles: {}",
                allowed
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }

    /// Managing keys and passwords needs a session, not a key.
    pub fn require_session(&self) -> Result<()> {
        if self.via_api_key {
            return Err(ServiceError::new(
                Code::Forbidden,
                "this needs a logged-in session, not an API key",
            ));
        }
        Ok(())
    }
}
