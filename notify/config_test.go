package notify_test

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/numsync/numsync/notify"
)

func TestValidateNamesTheKey(t *testing.T) {
	off := false
	for _, c := range []struct {
		name string
		cfg  notify.Config
		want string // in the error; "" for valid
	}{
		{"Minimal", notify.Config{Host: "smtp.contoso.com"}, ""},
		{"AuthOverTLS", notify.Config{Host: "smtp.contoso.com", Username: "u", PasswordEnv: "P"}, ""},
		{"AuthInClearOnLoopback", notify.Config{Host: "127.0.0.1", StartTLS: &off, Username: "u", PasswordFile: "/p"}, ""},
		{"NoHost", notify.Config{}, "host"},
		{"BadPort", notify.Config{Host: "h", Port: 70000}, "port"},
		{"BadFrom", notify.Config{Host: "h", From: "not an address"}, "from"},
		{"NegativeTimeout", notify.Config{Host: "h", Timeout: -1}, "timeout"},
		{"UsernameWithoutPassword", notify.Config{Host: "h", Username: "u"}, "password_env"},
		{"TwoPasswordSources", notify.Config{Host: "h", Username: "u", PasswordEnv: "P", PasswordFile: "/p"}, "only one"},
		{"PasswordWithoutUsername", notify.Config{Host: "h", PasswordEnv: "P"}, "username"},
		{"AuthInClearOverTheNetwork", notify.Config{Host: "smtp.contoso.com", StartTLS: &off, Username: "u", PasswordEnv: "P"}, "starttls"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if c.want == "" {
				if err != nil {
					t.Errorf("Validate = %v; want valid", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate = %v; want an error naming %q", err, c.want)
			}
		})
	}
}

func TestConfigFromYAML(t *testing.T) {
	src := `
host: smtp.contoso.com
port: 25
from: Teams phone desk <phones@contoso.com>
username: numsync
password_file: /etc/numsync/smtp-password
starttls: false
ca_file: /etc/numsync/mail-ca.pem
timeout: 45s
`
	var cfg notify.Config
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	want := notify.Config{
		Host: "smtp.contoso.com", Port: 25, From: "Teams phone desk <phones@contoso.com>", Username: "numsync",
		PasswordFile: "/etc/numsync/smtp-password", CAFile: "/etc/numsync/mail-ca.pem", Timeout: 45 * time.Second,
	}
	if cfg.StartTLS == nil || *cfg.StartTLS {
		t.Errorf("starttls: false read as %v", cfg.StartTLS)
	}
	cfg.StartTLS = nil
	if cfg != want {
		t.Errorf("decoded %+v\nwant    %+v", cfg, want)
	}
}
