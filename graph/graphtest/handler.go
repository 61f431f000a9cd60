package graphtest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/numsync/numsync/graph"
)

var (
	discoveryPath = regexp.MustCompile(`^/([^/]+)/v2\.0/\.well-known/openid-configuration$`)
	tokenPath     = regexp.MustCompile(`^/([^/]+)/oauth2/v2\.0/token$`)
	operationPath = regexp.MustCompile(`^` + regexp.QuoteMeta(graph.PathOperations) + `(?:\('([^']+)'\)|/([^/]+))$`)
	filterNumber  = regexp.MustCompile(`^telephoneNumber eq '([^']+)'$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if m := discoveryPath.FindStringSubmatch(r.URL.Path); m != nil {
		s.discovery(w, m[1])
		return
	}
	if m := tokenPath.FindStringSubmatch(r.URL.Path); m != nil {
		s.token(w, r, m[1])
		return
	}
	if r.URL.Path == ManagedIdentityPath {
		s.managedIdentity(w, r)
		return
	}
	p, ok := strings.CutPrefix(r.URL.Path, "/v1.0")
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.graph(w, r, p)
}

// discovery answers the tenant's OpenID configuration, which MSAL reads
// before it asks for a token.
func (s *Server) discovery(w http.ResponseWriter, tenant string) {
	base := s.srv.URL + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"issuer":                                base + "/v2.0",
		"jwks_uri":                              s.srv.URL + "/common/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"tenant_region_scope":                   "EU",
	})
}

// token is the client-credentials grant: a secret or a client assertion
// (certificate) for the known app gets a bearer token whose roles claim
// holds the granted application permissions.
func (s *Server) token(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	switch {
	case tenant != TenantID:
		oauthError(w, "invalid_tenant", "AADSTS90002: Tenant '"+tenant+"' not found.")
		return
	case f.Get("grant_type") != "client_credentials":
		oauthError(w, "unsupported_grant_type", "AADSTS70003: only client_credentials is served here")
		return
	case !slices.ContainsFunc(strings.Fields(f.Get("scope")), func(sc string) bool { return strings.HasSuffix(sc, "/.default") }):
		oauthError(w, "invalid_scope", "AADSTS1002012: The provided value for scope "+f.Get("scope")+" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")
		return
	case f.Get("client_id") != ClientID:
		oauthError(w, "unauthorized_client", "AADSTS700016: Application with identifier '"+f.Get("client_id")+"' was not found in the directory.")
		return
	case f.Get("client_assertion") == "" && f.Get("client_secret") != ClientSecret:
		oauthError(w, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	case f.Get("client_assertion") != "":
		if err := s.checkAssertion(f.Get("client_assertion_type"), f.Get("client_assertion")); err != nil {
			oauthError(w, "invalid_client", "AADSTS700027: Client assertion failed signature validation: "+err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": s.issue(tenant)})
}

// issue makes a bearer token for tenant with the granted roles.
func (s *Server) issue(tenant string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenSeq++
	claims, _ := json.Marshal(map[string]any{
		"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/" + tenant + "/", "tid": tenant,
		"appid": ClientID, "roles": s.roles, "jti": strconv.Itoa(s.tokenSeq), "exp": time.Now().Add(time.Hour).Unix(),
	})
	tok := enc([]byte(`{"typ":"JWT","alg":"none"}`)) + "." + enc(claims) + "." + enc([]byte("unsigned"))
	s.tokens[tok] = true
	return tok
}

// checkAssertion verifies a certificate credential's client assertion: a
// JWT for the app, signed (PS256 or RS256) by the key of the registered
// certificate, which its x5t#S256 or x5t header names.
func (s *Server) checkAssertion(typ, assertion string) error {
	if typ != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return fmt.Errorf("client_assertion_type %q", typ)
	}
	s.mu.Lock()
	cert := s.cert
	s.mu.Unlock()
	if cert == nil {
		return errors.New("no certificate is registered for the application")
	}
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return errors.New("not a JWT")
	}
	var head struct {
		Alg     string `json:"alg"`
		X5t     string `json:"x5t"`
		X5tS256 string `json:"x5t#S256"`
	}
	var claims struct {
		Iss, Sub, Aud string
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3, json.Unmarshal(hb, &head), json.Unmarshal(cb, &claims)); err != nil {
		return err
	}
	s256, s1 := sha256.Sum256(cert.Raw), sha1.Sum(cert.Raw)
	if !thumbprintIs(head.X5tS256, s256[:]) && !thumbprintIs(head.X5t, s1[:]) {
		return errors.New("the assertion names another certificate")
	}
	if claims.Iss != ClientID || claims.Sub != ClientID {
		return errors.New("the assertion is not the application's")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("the registered certificate has no RSA key")
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch head.Alg {
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	}
	return fmt.Errorf("alg %q", head.Alg)
}

// thumbprintIs reports whether a JWT header's thumbprint (base64, padded
// or not, standard or URL alphabet) is sum.
func thumbprintIs(h string, sum []byte) bool {
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := e.DecodeString(h); err == nil && string(b) == string(sum) {
			return true
		}
	}
	return false
}

// ManagedIdentityPath is where the server answers as an App Service
// managed identity endpoint (IDENTITY_ENDPOINT), which wants the header
// X-IDENTITY-HEADER: [ManagedIdentityHeader].
const (
	ManagedIdentityPath   = "/msi/token"
	ManagedIdentityHeader = "test-identity-header"
)

func (s *Server) managedIdentity(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-IDENTITY-HEADER") != ManagedIdentityHeader {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"statusCode": 401, "message": "X-IDENTITY-HEADER is missing or wrong"})
		return
	}
	res := r.URL.Query().Get("resource")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": s.issue(TenantID), "token_type": "Bearer", "resource": res,
		"expires_on": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10), "client_id": ClientID})
}

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func oauthError(w http.ResponseWriter, code, desc string) {
	status := http.StatusBadRequest
	if code == "invalid_client" {
		status = http.StatusUnauthorized
	}
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc, "error_codes": []int{}, "timestamp": time.Now().UTC().Format(time.DateTime)})
}

// graph serves the Graph resources under /v1.0.
func (s *Server) graph(w http.ResponseWriter, r *http.Request, p string) {
	var body struct {
		TelephoneNumber    string  `json:"telephoneNumber"`
		AssignmentTargetID string  `json:"assignmentTargetId"`
		NumberType         string  `json:"numberType"`
		AssignmentCategory string  `json:"assignmentCategory"`
		LocationID         *string `json:"locationId"`
	}
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			graphError(w, http.StatusBadRequest, "BadRequest", "the request body is not JSON: "+err.Error())
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{Method: r.Method, Path: p, Number: body.TelephoneNumber}
	status := s.answer(w, r, p, &req, body.TelephoneNumber, body.AssignmentTargetID, body.NumberType, body.AssignmentCategory, body.LocationID)
	req.Status = status
	s.requests = append(s.requests, req)
	s.cond.Broadcast()
}

// answer writes the answer to one Graph request (s.mu held) and returns
// its status.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, p string, req *Request, number, target, numberType, category string, location *string) int {
	if s.latency > 0 {
		s.mu.Unlock()
		time.Sleep(s.latency)
		s.mu.Lock()
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !s.tokens[tok] {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", error="invalid_token"`)
		return graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not valid yet.")
	}
	if s.throttleBurst > 0 || s.overCeiling() {
		if s.throttleBurst > 0 {
			s.throttleBurst--
		}
		w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter))
		return graphError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests; retry after the time in Retry-After.")
	}
	need := graph.PermNumbers
	if p == graph.PathUsers {
		need = graph.PermUsers
	}
	if !s.granted(tok, need) {
		return graphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	}
	switch {
	case r.Method == http.MethodGet && p == graph.PathNumbers:
		return s.listNumbers(w, r.URL.Query())
	case r.Method == http.MethodGet && p == graph.PathUsers:
		return s.listUsers(w, r.URL.Query())
	case r.Method == http.MethodGet && operationPath.MatchString(p):
		m := operationPath.FindStringSubmatch(p)
		return s.poll(w, m[1]+m[2])
	case r.Method == http.MethodPost && (p == graph.PathAssign || p == graph.PathUnassign || p == graph.PathUpdate):
		if s.holdAfter > 0 && s.actionsAnswered() >= s.holdAfter && !s.released {
			s.held++
			s.cond.Broadcast()
			for !s.released {
				s.cond.Wait()
			}
		}
		return s.action(w, p, number, target, numberType, category, location)
	}
	return graphError(w, http.StatusNotFound, "ResourceNotFound", "Resource not found for the segment '"+p+"'.")
}

// actionsAnswered counts the actions answered so far.
func (s *Server) actionsAnswered() int {
	n := 0
	for _, r := range s.requests {
		if r.Method == http.MethodPost {
			n++
		}
	}
	return n
}

// overCeiling counts a request against the per-second ceiling.
func (s *Server) overCeiling() bool {
	if s.ceiling == 0 {
		return false
	}
	sec := time.Now().Unix()
	s.window[sec]++
	return s.window[sec] > s.ceiling
}

func (s *Server) granted(tok, perm string) bool {
	parts := strings.Split(tok, ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct{ Roles []string }
	_ = json.Unmarshal(b, &c)
	return slices.Contains(c.Roles, perm) || (perm == graph.PermUsers && slices.Contains(c.Roles, "User.ReadWrite.All"))
}

// listNumbers pages the numbers in number order; $top up to 1000 (500
// when not given), $filter on one telephoneNumber, $skiptoken to go on.
func (s *Server) listNumbers(w http.ResponseWriter, q url.Values) int {
	keys := make([]string, 0, len(s.numbers))
	for k := range s.numbers {
		keys = append(keys, k)
	}
	if f := q.Get("$filter"); f != "" {
		m := filterNumber.FindStringSubmatch(f)
		if m == nil {
			return graphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+f)
		}
		keys = slices.DeleteFunc(keys, func(k string) bool { return k != m[1] })
	}
	slices.Sort(keys)
	items := make([]any, len(keys))
	for i, k := range keys {
		items[i] = *s.numbers[k]
	}
	return s.page(w, graph.PathNumbers, q, items, 500, 1000)
}

// listUsers pages the users; $top up to 999 (100 when not given).
func (s *Server) listUsers(w http.ResponseWriter, q url.Values) int {
	if q.Get("$select") == "" {
		return graphError(w, http.StatusBadRequest, "BadRequest", "numsync's contract: the users list must be read with $select")
	}
	items := make([]any, len(s.users))
	for i, u := range s.users {
		items[i] = u
	}
	return s.page(w, graph.PathUsers, q, items, 100, 999)
}

// page writes one page of items with @odata.nextLink when more follow.
func (s *Server) page(w http.ResponseWriter, p string, q url.Values, items []any, def, most int) int {
	top := def
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > most {
			return graphError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", v, most))
		}
		top = n
	}
	from := 0
	if t := q.Get("$skiptoken"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil {
			return graphError(w, http.StatusBadRequest, "BadRequest", "Invalid skip token.")
		}
		from, _ = strconv.Atoi(string(b))
	}
	from = min(from, len(items))
	end := min(from+top, len(items))
	out := map[string]any{"@odata.context": s.URL() + "/$metadata#" + p, "value": items[from:end]}
	if end < len(items) {
		next := url.Values{}
		for k, v := range q {
			if k != "$skiptoken" {
				next[k] = v
			}
		}
		next.Set("$skiptoken", enc([]byte(strconv.Itoa(end))))
		out["@odata.nextLink"] = s.URL() + p + "?" + next.Encode()
	}
	return writeJSON(w, http.StatusOK, out)
}

// action starts an assign, unassign or update as a long-running
// operation: 202 with its Location. The change is made at once; the
// operation reports it done after it has been polled a few times.
func (s *Server) action(w http.ResponseWriter, p, number, target, numberType, category string, location *string) int {
	a, ok := s.numbers[number]
	if !ok && p == graph.PathAssign && numberType == "directRouting" {
		// Direct Routing numbers need not be acquired: Teams lists one
		// from its first assignment on.
		a = &graph.NumberAssignment{ID: strings.TrimPrefix(number, "+"), TelephoneNumber: number, NumberType: numberType,
			Capabilities: []string{"userAssignment"}, NumberSource: "onPremises", AssignmentStatus: graph.StatusUnassigned}
		s.numbers[number], ok = a, true
	}
	switch {
	case number == "":
		return graphError(w, http.StatusBadRequest, "BadRequest", "telephoneNumber is a mandatory parameter.")
	case !ok:
		return graphError(w, http.StatusNotFound, "NotFound", "The telephone number "+number+" was not found in the tenant.")
	case numberType == "" && p != graph.PathUpdate:
		return graphError(w, http.StatusBadRequest, "BadRequest", "numberType is a mandatory parameter.")
	case p == graph.PathAssign && target == "":
		return graphError(w, http.StatusBadRequest, "BadRequest", "assignmentTargetId is a mandatory parameter.")
	}
	s.opSeq++
	op := &operation{id: enc([]byte(fmt.Sprintf("%s|%d", strings.TrimPrefix(p, graph.PathNumbers+"/"), s.opSeq))), number: number}
	s.ops[op.id] = op
	switch p {
	case graph.PathAssign:
		switch {
		case s.failNumbers[number] > 0:
			s.failNumbers[number]--
			op.fail = "Telephone number " + number + " is already assigned to another user."
		case a.AssignmentTargetID != "" && a.AssignmentTargetID != target:
			op.fail = "Telephone number " + number + " is already assigned to another user."
		default:
			assign(a, target, category)
			if location != nil {
				a.LocationID = *location
			}
			if s.failActivation[number] {
				a.ActivationState = graph.ActivationAssignmentFailed
			}
		}
	case graph.PathUnassign:
		assign(a, "", "")
	case graph.PathUpdate:
		if location != nil {
			a.LocationID = *location
		}
	}
	w.Header().Set("Location", s.URL()+graph.PathOperations+"('"+op.id+"')")
	if s.failAfter > 0 {
		s.failAfter--
		return graphError(w, http.StatusBadGateway, "BadGateway", "The server did not answer in time.")
	}
	w.WriteHeader(http.StatusAccepted)
	return http.StatusAccepted
}

// assign sets or clears the holder of a.
func assign(a *graph.NumberAssignment, target, category string) {
	a.AssignmentTargetID = target
	a.ActivationState = graph.ActivationActivated
	if target == "" {
		a.AssignmentStatus, a.AssignmentCategory = graph.StatusUnassigned, ""
		return
	}
	a.AssignmentStatus = "userAssigned"
	if category == "" {
		category = "primary"
	}
	a.AssignmentCategory = category
}

// poll answers a long-running operation, moving it on one step.
func (s *Server) poll(w http.ResponseWriter, id string) int {
	op, ok := s.ops[id]
	if !ok {
		return graphError(w, http.StatusNotFound, "NotFound", "Operation "+id+" was not found.")
	}
	op.polls++
	status, detail := "notStarted", ""
	switch {
	case op.polls >= s.pollsToFinish && op.fail != "":
		status, detail = "failed", op.fail
	case op.polls >= s.pollsToFinish:
		status = "succeeded"
	case op.polls > 1:
		status = "running"
	}
	loc := s.URL() + graph.PathOperations + "('" + id + "')"
	return writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context":  s.URL() + "/$metadata#admin/teams/telephoneNumberManagement/operations/$entity",
		"@odata.type":     "#microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperation",
		"id":              id,
		"createdDateTime": time.Now().UTC().Format(time.RFC3339),
		"status":          status,
		"numbers": []map[string]any{{
			"@odata.type":      "#microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperationDetails",
			"telephoneNumber":  op.number,
			"resourceLocation": loc,
			"status":           status,
			"statusDetail":     detail,
		}},
	})
}

func graphError(w http.ResponseWriter, status int, code, msg string) int {
	return writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": msg,
		"innerError": map[string]any{"date": time.Now().UTC().Format("2006-01-02T15:04:05"), "request-id": "00000000-0000-0000-0000-000000000000"},
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
	return status
}
