package creem

// LicenseStatus is the status of a license key. It is an open enum.
type LicenseStatus string

// Known license statuses.
const (
	LicenseStatusInactive LicenseStatus = "inactive"
	LicenseStatusActive   LicenseStatus = "active"
	LicenseStatusExpired  LicenseStatus = "expired"
	LicenseStatusDisabled LicenseStatus = "disabled"
)

// LicenseInstanceStatus is the status of one activation of a license. It is an open enum.
type LicenseInstanceStatus string

// Known license instance statuses.
const (
	LicenseInstanceStatusActive      LicenseInstanceStatus = "active"
	LicenseInstanceStatusDeactivated LicenseInstanceStatus = "deactivated"
)

// License is a license key (LicenseEntity).
type License struct {
	ID              string        `json:"id"`
	Mode            Mode          `json:"mode"`
	Object          string        `json:"object"`
	ProductID       string        `json:"product_id"`
	Status          LicenseStatus `json:"status"`
	Key             string        `json:"key"`
	Activation      int           `json:"activation"`       // instances activated
	ActivationLimit *int          `json:"activation_limit"` // nil is unlimited
	ExpiresAt       *Timestamp    `json:"expires_at"`       // nil never expires
	CreatedAt       Timestamp     `json:"created_at"`
	// Instances holds the "instance" field: the spec documents one object, the docs an array;
	// both decode.
	Instances LicenseInstances `json:"instance"`
}

// LicenseInstance is one activation of a license key (LicenseInstanceEntity).
type LicenseInstance struct {
	ID        string                `json:"id"`
	Mode      Mode                  `json:"mode"`
	Object    string                `json:"object"`
	Name      string                `json:"name"`
	Status    LicenseInstanceStatus `json:"status"`
	CreatedAt Timestamp             `json:"created_at"`
}

// LicenseInstances decodes a license's "instance" field from an object or an array.
type LicenseInstances []LicenseInstance

// UnmarshalJSON accepts a single instance object, an array of them, or null.
func (l *LicenseInstances) UnmarshalJSON(data []byte) error {
	return unmarshalOneOrMany(data, (*[]LicenseInstance)(l))
}
