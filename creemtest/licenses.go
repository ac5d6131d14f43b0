package creemtest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/creem-go/creem"
)

// EnableLicenseKeys gives the product a license-key feature: paying a checkout for it issues a
// license key that can be activated on at most activationLimit instances (0 for no limit).
// Creem configures license keys in its dashboard, not through the API, hence this method.
func (s *Server) EnableLicenseKeys(productID string, activationLimit int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	prod, ok := s.st.products.get(productID)
	if !ok {
		return fmt.Errorf("creemtest: EnableLicenseKeys: no product %s", productID)
	}
	s.st.licenseLimit[productID] = activationLimit
	for _, f := range prod.Features {
		if f.Type == creem.FeatureTypeLicenseKey {
			return nil
		}
	}
	prod.Features = append(prod.Features, creem.ProductFeature{ID: newID("feat"), Type: creem.FeatureTypeLicenseKey, Description: "License key"})
	return nil
}

// issueLicense creates the license key of a paid product, if it has the feature. s.mu must be held.
func (s *Server) issueLicense(prod *creem.Product, customerID string) *creem.License {
	limit, ok := s.st.licenseLimit[prod.ID]
	if !ok {
		return nil
	}
	l := &creem.License{
		ID: newID("lic"), Mode: creem.ModeTest, Object: "license", ProductID: prod.ID, Status: creem.LicenseStatusInactive,
		Key:       strings.ToUpper(randomID(5) + "-" + randomID(5) + "-" + randomID(5) + "-" + randomID(5)),
		CreatedAt: creem.NewTimestamp(s.now().UTC()),
	}
	if limit > 0 {
		l.ActivationLimit = creem.Ptr(limit)
	}
	s.st.licenses.put(l.ID, l)
	s.st.licenseOwner[l.ID] = customerID
	return l
}

// licenseByKey finds a license by its key. s.mu must be held.
func (s *Server) licenseByKey(key string) (*creem.License, *apiError) {
	l, ok := s.st.licenses.find(func(l *creem.License) bool { return l.Key == key })
	switch {
	case !ok:
		return nil, notFound("License key")
	case l.Status == creem.LicenseStatusDisabled || l.Status == creem.LicenseStatusExpired:
		return nil, errorf(http.StatusForbidden, "License key is "+string(l.Status))
	}
	return l, nil
}

// withInstance returns a copy of l carrying one instance, as Creem answers license calls.
func withInstance(l *creem.License, inst *creem.LicenseInstance) *creem.License {
	out := *l
	out.Instances = creem.LicenseInstances{*inst}
	return &out
}

// licenseJSON renders a license with its "instance" field as the single object the spec documents.
type licenseJSON struct {
	*creem.License
	Instance *creem.LicenseInstance `json:"instance"`
}

func licenseView(l *creem.License) *licenseJSON {
	v := &licenseJSON{License: l}
	if len(l.Instances) > 0 {
		v.Instance = &l.Instances[0]
	}
	return v
}

func (s *Server) activateLicense(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.ActivateLicenseParams
	if err := decodeBody(body, "ActivateLicenseRequestEntity", &p); err != nil {
		return nil, err
	}
	l, aerr := s.licenseByKey(p.Key)
	if aerr != nil {
		return nil, aerr
	}
	if l.ActivationLimit != nil && l.Activation >= *l.ActivationLimit {
		return nil, errorf(http.StatusForbidden, fmt.Sprintf("License key has reached its activation limit of %d", *l.ActivationLimit))
	}
	inst := &creem.LicenseInstance{
		ID: newID("lki"), Mode: creem.ModeTest, Object: "license-instance", Name: p.InstanceName,
		Status: creem.LicenseInstanceStatusActive, CreatedAt: creem.NewTimestamp(s.now().UTC()),
	}
	s.st.instances[l.ID] = append(s.st.instances[l.ID], inst)
	l.Activation++
	l.Status = creem.LicenseStatusActive
	return licenseView(withInstance(l, inst)), nil
}

// keyAndInstance decodes a validate or deactivate body (both are {key, instance_id}) and finds
// the license and its instance. s.mu must be held.
func (s *Server) keyAndInstance(body []byte, schemaName string) (*creem.License, *creem.LicenseInstance, *apiError) {
	var p creem.ValidateLicenseParams // the same fields as DeactivateLicenseParams
	if err := decodeBody(body, schemaName, &p); err != nil {
		return nil, nil, err
	}
	l, aerr := s.licenseByKey(p.Key)
	if aerr != nil {
		return nil, nil, aerr
	}
	for _, inst := range s.st.instances[l.ID] {
		if inst.ID == p.InstanceID {
			return l, inst, nil
		}
	}
	return nil, nil, notFound("License instance")
}

func (s *Server) validateLicense(_ *http.Request, body []byte) (any, *apiError) {
	l, inst, aerr := s.keyAndInstance(body, "ValidateLicenseRequestEntity")
	if aerr != nil {
		return nil, aerr
	}
	return licenseView(withInstance(l, inst)), nil
}

func (s *Server) deactivateLicense(_ *http.Request, body []byte) (any, *apiError) {
	l, inst, aerr := s.keyAndInstance(body, "DeactivateLicenseRequestEntity")
	if aerr != nil {
		return nil, aerr
	}
	if inst.Status == creem.LicenseInstanceStatusDeactivated {
		return nil, errorf(http.StatusBadRequest, "License instance is already deactivated")
	}
	inst.Status = creem.LicenseInstanceStatusDeactivated
	l.Activation--
	if l.Activation == 0 {
		l.Status = creem.LicenseStatusInactive
	}
	return licenseView(withInstance(l, inst)), nil
}

func (s *Server) licenseInstances(r *http.Request, _ []byte) (any, *apiError) {
	id := r.PathValue("id")
	if _, ok := s.st.licenses.get(id); !ok {
		return nil, notFound("License")
	}
	return paginate(r.URL.Query(), s.st.instances[id])
}
