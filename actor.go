package spiker

// Actor is who performs an action: a signed-in staff user with their
// unlocked private key, the public (a reporter), or the system itself.
type Actor struct {
	UserID     int64
	Username   string
	Roles      []Role
	RegionCode string
	AgencyID   string // a partner user's agency
	// Key is the user's X25519 private key, unlocked at sign-in. It opens
	// the data keys sealed to the user and to the user's groups. Nil for the
	// public and the system, which hold no keys.
	Key *[32]byte
	// KeyPublic is Key's public half when the session kept it (nil:
	// derived from Key where needed), so that a request does not spend an
	// X25519 multiplication on it.
	KeyPublic *[32]byte
}

// Public is the actor for an anonymous reporter.
var Public = &Actor{Username: "public"}

// Console is the actor for the operator at the server's console, who holds
// the database and the secret file: what they read through a command (the
// audit log) is logged under this name.
var Console = &Actor{Username: "console"}

// System is the actor for the program's own work (migrations, setup).
var System = &Actor{Username: "system"}

// HasRole reports whether the actor holds role r.
func (a *Actor) HasRole(r Role) bool {
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}
