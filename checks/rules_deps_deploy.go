package checks

import (
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/djsec/djsec/internal/lazyre"
)

// How DJS1006 tells a deployment file that starts runserver for
// development from one that does so in production. A file named for
// development (depsIsDevFile) is never read; the signals here catch the
// development stacks whose names say nothing: the base docker-compose.yml
// of a project that deploys with docker-compose.prod.yml, a compose
// service that builds containers/local.Dockerfile, a Dockerfile that selects
// development settings.

var (
	// depsDevSettingsRE matches the last part of a settings module meant
	// for development: mysite.settings.dev, config.settings.local,
	// settings_docker (the settings of a local container stack),
	// test_settings.
	depsDevSettingsRE = lazyre.New(`(?i)(^|_)(dev|devel|develop|development|local|docker|test|tests|testing|ci)(_|$)|^test`)
	// depsProdNameRE marks a name as production, which wins over a
	// development word in the same name (docker_prod).
	depsProdNameRE = lazyre.New(`(?i)(^|[-_.])(prod|production|live|release|deploy|deployment)([-_.]|$)`)
	// depsEnvNameKeyRE matches variables that name the environment
	// (DJANGO_ENV, APP_ENV, ENVIRONMENT, DJANGO_CONFIGURATION of
	// django-configurations), not those of other tools in the same
	// container (NODE_ENV); depsDevEnvValueRE their development values.
	depsEnvNameKeyRE  = lazyre.New(`(?i)^(django_|app_|deploy_|site_)?(env|environment|configuration|stage)$`)
	depsDevEnvValueRE = lazyre.New(`(?i)^(dev|devel|develop|development|local)$`)
	// depsSettingsFlagRE finds --settings=mysite.settings.dev in a command.
	depsSettingsFlagRE = lazyre.New(`--settings[=\s]+["']?([A-Za-z_][A-Za-z0-9_.]*)`)
)

// depsDevSettingsModule reports whether a dotted settings module is for
// development by its last part.
func depsDevSettingsModule(mod string) bool {
	last := mod[strings.LastIndexByte(mod, '.')+1:]
	return depsDevSettingsRE().MatchString(last) && !depsProdNameRE().MatchString(last)
}

// depsDevEnv says why one environment variable selects development:
// DJANGO_SETTINGS_MODULE naming development settings, or a variable
// naming the environment set to a development value. Values that
// interpolate other variables are unknown.
func depsDevEnv(key, value string) string {
	value = strings.Trim(strings.TrimSpace(value), `"'`)
	if value == "" || strings.Contains(value, "$") {
		return ""
	}
	switch {
	case key == "DJANGO_SETTINGS_MODULE" && depsDevSettingsModule(value):
		return "DJANGO_SETTINGS_MODULE=" + value + " selects development settings"
	case depsEnvNameKeyRE().MatchString(key) && depsDevEnvValueRE().MatchString(value):
		return key + "=" + value + " selects the development environment"
	}
	return ""
}

// depsDockerDevEnv says why a Dockerfile stage (with the stages it builds
// on) runs with development settings, from its ENV instructions.
func depsDockerDevEnv(stages []*depsDockerStage, i int) string {
	for k := i; k >= 0; k = stages[k].parent {
		for _, in := range stages[k].envs {
			for key, value := range depsDockerEnvPairs(in.args) {
				if why := depsDevEnv(key, value); why != "" {
					return why
				}
			}
		}
	}
	return ""
}

// depsDockerEnvPairs reads an ENV instruction: `KEY=value KEY2="v w"` or
// the legacy `KEY value`.
func depsDockerEnvPairs(args string) map[string]string {
	out := map[string]string{}
	args = strings.TrimSpace(args)
	if !strings.Contains(strings.SplitN(args, " ", 2)[0], "=") {
		key, value, _ := strings.Cut(args, " ")
		out[key] = strings.TrimSpace(value)
		return out
	}
	for _, f := range depsSplitQuoted(args) {
		if key, value, ok := strings.Cut(f, "="); ok {
			out[key] = value
		}
	}
	return out
}

// depsSplitQuoted splits on spaces outside double or single quotes.
func depsSplitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	for _, c := range s {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '"' || c == '\'':
			quote = c
		case c == ' ' || c == '\t':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// depsCommandDevReason says why a command line is for development: it
// passes --settings with development settings, or runs a script whose
// path is named for development (./entrypoint-dev.sh).
func depsCommandDevReason(cmd string) string {
	if m := depsSettingsFlagRE().FindStringSubmatch(cmd); m != nil && depsDevSettingsModule(m[1]) {
		return "--settings=" + m[1] + " selects development settings"
	}
	// Only the script's own name counts: its folders are the image's
	// (/usr/local/bin is no development folder).
	for _, f := range strings.Fields(depsTrimCommand(cmd)) {
		if (strings.Contains(f, "/") || strings.HasSuffix(f, ".sh")) && depsDevFileRE().MatchString(path.Base(f)) {
			return f + " is a development script"
		}
	}
	return ""
}

// depsDeployDevReason says why a Dockerfile, Procfile or fly.toml process
// that runs runserver is for development: its command selects development
// settings, or the project declares its production web process elsewhere
// (a Procfile in the same folder whose web process runs a production
// server, as Heroku-style platforms deploy).
func depsDeployDevReason(p *Project, fp string, h depsRunserverHit) string {
	if why := depsCommandDevReason(h.full); why != "" {
		return why
	}
	if depsDeployFileKind(fp) == "dockerfile" {
		if why := depsProcfileServes(p, path.Dir(fp)); why != "" {
			return why
		}
	}
	return ""
}

// depsProcfileServes names the Procfile of a folder whose web process runs
// a production server.
func depsProcfileServes(p *Project, dir string) string {
	for _, name := range []string{"Procfile"} {
		fp := path.Join(dir, name)
		for _, cmd := range depsProcfileWeb(p.Files[fp]) {
			if depsServerCommandRE().MatchString(cmd) && !depsRunserverRE().MatchString(cmd) {
				return fp + " runs the production web process"
			}
		}
	}
	return ""
}

// depsComposeService is what DJS1006 reads of one compose service.
type depsComposeService struct {
	name     string
	commands []depsComposeCommand
	// build: context and dockerfile (relative to the compose file's
	// folder), target stage; hasBuild when the service builds an image.
	context, dockerfile, target string
	hasBuild                    bool
	// env holds environment and build args.
	env map[string]string
}

type depsComposeCommand struct {
	key, text          string
	line, col, endLine int
}

// depsComposeIndex parses each compose file once per analysis: a
// service's production alternative may live in another compose file.
type depsComposeIndex struct {
	files map[string][]depsComposeService
	errs  map[string]error
}

func (idx *depsComposeIndex) services(p *Project, fp string) ([]depsComposeService, error) {
	if svcs, ok := idx.files[fp]; ok {
		return svcs, idx.errs[fp]
	}
	if idx.files == nil {
		idx.files, idx.errs = map[string][]depsComposeService{}, map[string]error{}
	}
	svcs, err := depsParseCompose(p.Files[fp])
	idx.files[fp], idx.errs[fp] = svcs, err
	return svcs, err
}

func depsParseCompose(data []byte) ([]depsComposeService, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	services := depsYAMLGet(doc.Content[0], "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return nil, nil
	}
	var out []depsComposeService
	for i := 0; i+1 < len(services.Content); i += 2 {
		node := depsYAMLDeref(services.Content[i+1])
		svc := depsComposeService{name: services.Content[i].Value, env: map[string]string{}}
		for _, key := range []string{"entrypoint", "command"} {
			n := depsYAMLGet(node, key)
			if n == nil {
				continue
			}
			c := depsComposeCommand{key: key, line: n.Line, col: n.Column, endLine: n.Line}
			if n.Kind == yaml.SequenceNode {
				parts := make([]string, 0, len(n.Content))
				for _, it := range n.Content {
					parts = append(parts, depsYAMLDeref(it).Value)
				}
				c.text = strings.Join(parts, " ")
				if len(n.Content) > 0 {
					c.endLine = n.Content[len(n.Content)-1].Line
				}
			} else {
				c.text = n.Value
			}
			svc.commands = append(svc.commands, c)
		}
		if b := depsYAMLGet(node, "build"); b != nil {
			svc.hasBuild = true
			switch b.Kind {
			case yaml.ScalarNode:
				svc.context = b.Value
			case yaml.MappingNode:
				if n := depsYAMLGet(b, "context"); n != nil {
					svc.context = n.Value
				}
				if n := depsYAMLGet(b, "dockerfile"); n != nil {
					svc.dockerfile = n.Value
				}
				if n := depsYAMLGet(b, "target"); n != nil {
					svc.target = n.Value
				}
				depsYAMLEnv(depsYAMLGet(b, "args"), svc.env)
			}
		}
		depsYAMLEnv(depsYAMLGet(node, "environment"), svc.env)
		out = append(out, svc)
	}
	return out, nil
}

// depsYAMLEnv reads a compose environment or args block, in its mapping
// (KEY: value) or list (- KEY=value) form.
func depsYAMLEnv(n *yaml.Node, into map[string]string) {
	switch {
	case n == nil:
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if v := depsYAMLDeref(n.Content[i+1]); v != nil && v.Kind == yaml.ScalarNode {
				into[n.Content[i].Value] = v.Value
			}
		}
	case n.Kind == yaml.SequenceNode:
		for _, it := range n.Content {
			if it = depsYAMLDeref(it); it != nil && it.Kind == yaml.ScalarNode {
				if key, value, ok := strings.Cut(it.Value, "="); ok {
					into[key] = value
				}
			}
		}
	}
}

// depsComposeDevReason says why a compose service that runs runserver is
// a development stack, or returns "":
//   - its name, build target or Dockerfile is named for development;
//   - its environment or build args select development settings;
//   - its command selects development settings or runs a development
//     script;
//   - a production compose file of the same project (in the folder or
//     below and named prod/production, or in the same folder and running
//     a production server) overrides the service's command, as `docker
//     compose -f docker-compose.yml -f deploy/compose.production.yml`
//     does;
//   - the image it builds runs a production server by itself, so the
//     compose file overrides the image's command for development;
//   - a Procfile next to it declares the production web process.
func depsComposeDevReason(p *Project, fp string, svc depsComposeService, idx *depsComposeIndex) string {
	dir := path.Dir(fp)
	switch {
	case depsDevNameRE().MatchString(svc.name):
		return fmt.Sprintf("service %q is named for development", svc.name)
	case svc.target != "" && depsDevNameRE().MatchString(svc.target):
		return "it builds the development stage " + svc.target
	case svc.dockerfile != "" && depsIsDevFile(path.Clean(svc.dockerfile)):
		return "it builds " + svc.dockerfile
	}
	for key, value := range svc.env {
		if why := depsDevEnv(key, value); why != "" {
			return why
		}
	}
	for _, c := range svc.commands {
		if why := depsCommandDevReason(c.text); why != "" {
			return why
		}
	}
	if why := depsComposeOverridden(p, fp, svc.name, idx); why != "" {
		return why
	}
	if svc.hasBuild {
		if why := depsImageServes(p, dir, svc); why != "" {
			return why
		}
	}
	return depsProcfileServes(p, dir)
}

// depsComposeOverridden names a production compose file of the same
// project that gives the service another command.
func depsComposeOverridden(p *Project, fp, service string, idx *depsComposeIndex) string {
	dir := path.Dir(fp)
	for _, other := range p.Paths() {
		if other == fp || depsDeployFileKind(other) != "compose" || depsIsDevFile(other) {
			continue
		}
		if od := path.Dir(other); dir != "." && od != dir && !strings.HasPrefix(od, dir+"/") {
			continue
		}
		svcs, err := idx.services(p, other)
		if err != nil {
			continue
		}
		// A production file says so by its name; an unnamed one counts in
		// the same folder only, where it cannot be another project's.
		prodName := depsProdNameRE().MatchString(path.Base(other))
		if !prodName && path.Dir(other) != dir {
			continue
		}
		for _, s := range svcs {
			if s.name != service {
				continue
			}
			for _, c := range s.commands {
				if depsRunserverRE().MatchString(c.text) {
					continue
				}
				if prodName || depsServerCommandRE().MatchString(c.text) {
					return fmt.Sprintf("%s overrides service %q for production", other, service)
				}
			}
		}
	}
	return ""
}

// depsImageServes reports a service whose image (the Dockerfile it
// builds, at its target stage or the last one) runs a production server
// as its own command.
func depsImageServes(p *Project, dir string, svc depsComposeService) string {
	ctx := svc.context
	if ctx == "" {
		ctx = "."
	}
	if strings.Contains(ctx, "://") || strings.Contains(ctx, "$") {
		return ""
	}
	df := svc.dockerfile
	if df == "" {
		df = "Dockerfile"
	}
	fp := path.Join(dir, ctx, df)
	data, ok := p.Files[fp]
	if !ok || strings.HasPrefix(fp, "../") {
		return ""
	}
	stages := depsDockerStages(data)
	i := len(stages) - 1
	if svc.target != "" {
		for k, st := range stages {
			if strings.EqualFold(st.name, svc.target) {
				i = k
			}
		}
	}
	if i < 0 {
		return ""
	}
	entry, cmd := depsDockerEffective(stages, i)
	for _, in := range []*depsDockerInstr{entry, cmd} {
		if in != nil && depsServerCommandRE().MatchString(in.args) && !depsRunserverRE().MatchString(in.args) {
			return fp + " runs a production server by itself"
		}
	}
	return ""
}
