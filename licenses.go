package creem

import (
	"context"
	"iter"
	"strings"
)

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

// MarshalJSON encodes the spec's shape: null for none, the object for one, an array for more.
func (l LicenseInstances) MarshalJSON() ([]byte, error) { return marshalOneOrMany(l) }

// LicensesService activates, validates and deactivates license keys: POST /v1/licenses/activate,
// /validate, /deactivate, and GET /v1/licenses/{id}/instances.
type LicensesService service

// ActivateLicenseParams are the parameters of Licenses.Activate (ActivateLicenseRequestEntity).
type ActivateLicenseParams struct {
	Key          string `json:"key"`           // the license key
	InstanceName string `json:"instance_name"` // a label for the new instance, e.g. a machine name
}

// ValidateLicenseParams are the parameters of Licenses.Validate (ValidateLicenseRequestEntity).
type ValidateLicenseParams struct {
	Key        string `json:"key"`
	InstanceID string `json:"instance_id"`
}

// DeactivateLicenseParams are the parameters of Licenses.Deactivate (DeactivateLicenseRequestEntity).
type DeactivateLicenseParams struct {
	Key        string `json:"key"`
	InstanceID string `json:"instance_id"`
}

// Activate activates a license key on a new instance (POST /v1/licenses/activate) and returns
// the license with that instance. Not retried after the request may have reached Creem: a
// repeat could use up a second activation.
func (s *LicensesService) Activate(ctx context.Context, params *ActivateLicenseParams, opts ...RequestOption) (*License, error) {
	const op = "Licenses.Activate"
	switch {
	case params == nil:
		return nil, invalid(op, "params", "are required")
	case strings.TrimSpace(params.Key) == "":
		return nil, invalid(op, "key", "is required")
	case strings.TrimSpace(params.InstanceName) == "":
		return nil, invalid(op, "instance_name", "is required")
	}
	return send[License](ctx, s.client, post("/v1/licenses/activate"), "", params, opts)
}

// Validate checks a license key and instance (POST /v1/licenses/validate). It changes nothing,
// so it is retried like a read.
func (s *LicensesService) Validate(ctx context.Context, params *ValidateLicenseParams, opts ...RequestOption) (*License, error) {
	if params == nil {
		return nil, invalid("Licenses.Validate", "params", "are required")
	}
	if err := requireKeyAndInstance("Licenses.Validate", params.Key, params.InstanceID); err != nil {
		return nil, err
	}
	return send[License](ctx, s.client, postSafe("/v1/licenses/validate"), "", params, opts)
}

// Deactivate deactivates one instance of a license key (POST /v1/licenses/deactivate). Not
// retried after the request may have reached Creem.
func (s *LicensesService) Deactivate(ctx context.Context, params *DeactivateLicenseParams, opts ...RequestOption) (*License, error) {
	if params == nil {
		return nil, invalid("Licenses.Deactivate", "params", "are required")
	}
	if err := requireKeyAndInstance("Licenses.Deactivate", params.Key, params.InstanceID); err != nil {
		return nil, err
	}
	return send[License](ctx, s.client, post("/v1/licenses/deactivate"), "", params, opts)
}

// ListInstances returns one page of a license's instances (GET /v1/licenses/{id}/instances).
// Retried like every read.
func (s *LicensesService) ListInstances(ctx context.Context, licenseID string, params *ListParams, opts ...RequestOption) (*Page[LicenseInstance], error) {
	seg, err := pathID("Licenses.ListInstances", "id", licenseID)
	if err != nil {
		return nil, err
	}
	return list[LicenseInstance](ctx, s.client, "/v1/licenses/"+seg+"/instances", params, opts)
}

// AllInstances iterates over every instance of a license, one page at a time.
func (s *LicensesService) AllInstances(ctx context.Context, licenseID string, params *ListParams, opts ...RequestOption) iter.Seq2[*LicenseInstance, error] {
	return all(ctx, params, func(ctx context.Context, p *ListParams, o ...RequestOption) (*Page[LicenseInstance], error) {
		return s.ListInstances(ctx, licenseID, p, o...)
	}, opts)
}

func requireKeyAndInstance(op, key, instanceID string) error {
	if strings.TrimSpace(key) == "" {
		return invalid(op, "key", "is required")
	}
	return requireID(op, "instance_id", instanceID)
}
