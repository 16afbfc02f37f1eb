package checks

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks/settings"
)

func TestImportCandidates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, path, src string
		want            []string // exactly, in order
		has             []string // at least these
		not             []string
	}{
		{
			name: "relative star-import",
			path: "mysite/settings/prod.py", src: "from .base import *\n",
			want: []string{"mysite/settings/base.py", "mysite/settings/base/__init__.py"},
		},
		{
			name: "two dots",
			path: "mysite/settings/prod.py", src: "from ..common import *\n",
			want: []string{"mysite/common.py", "mysite/common/__init__.py"},
		},
		{
			name: "dotted relative",
			path: "mysite/settings/prod.py", src: "from .components.security import *\n",
			want: []string{"mysite/settings/components/security.py", "mysite/settings/components/security/__init__.py"},
		},
		{
			name: "the package itself",
			path: "mysite/settings/prod.py", src: "from . import base\n",
			want: []string{"mysite/settings/__init__.py"},
		},
		{
			name: "relative at the repository root",
			path: "settings_prod.py", src: "from .settings import *\n",
			want: []string{"settings.py", "settings/__init__.py"},
		},
		{
			name: "above the repository root",
			path: "prod.py", src: "from ..base import *\n",
			want: nil,
		},
		{
			name: "try-imported local override",
			path: "mysite/settings/prod.py", src: "from .base import *\ntry:\n    from .local import *\nexcept ImportError:\n    pass\n",
			want: []string{"mysite/settings/base.py", "mysite/settings/base/__init__.py", "mysite/settings/local.py", "mysite/settings/local/__init__.py"},
		},
		{
			name: "named relative import copies values too",
			path: "mysite/settings/prod.py", src: "from .base import SECRET_KEY, INSTALLED_APPS as APPS\n",
			want: []string{"mysite/settings/base.py", "mysite/settings/base/__init__.py"},
		},
		{
			name: "absolute star-import from the repository root",
			path: "mysite/settings/prod.py", src: "from mysite.settings.base import *\n",
			has: []string{"mysite/settings/base.py", "mysite/settings/base/__init__.py"},
		},
		{
			name: "absolute star-import under a source root",
			path: "src/mysite/settings/prod.py", src: "from mysite.settings.base import *\n",
			has: []string{"src/mysite/settings/base.py", "src/mysite/settings/base/__init__.py", "mysite/settings/base.py"},
		},
		{
			name: "absolute star-import of a sibling tree",
			path: "deploy/prod_settings.py", src: "from config.settings import *\n",
			has: []string{"config/settings.py", "config/settings/__init__.py", "deploy/config/settings.py"},
		},
		{
			name: "inside if and else",
			path: "app/settings.py", src: "import os\nif os.environ.get('X'):\n    from .a import *\nelse:\n    from .b import *\n",
			want: []string{"app/a.py", "app/a/__init__.py", "app/b.py", "app/b/__init__.py"},
		},
		{
			name: "functions and classes are not evaluated",
			path: "app/settings.py", src: "def f():\n    from .a import *\nclass C:\n    from .b import X\n",
			want: nil,
		},
		{
			name: "installed packages are left out",
			path: "app/settings.py", src: "from pathlib import Path\nfrom datetime import timedelta\nfrom django.conf import settings\nimport os\nimport app.other\n",
			want: nil,
		},
		{
			name: "absolute named import of the project",
			path: "mysite/settings/prod.py", src: "from mysite.settings.base import SECRET_KEY\n",
			has: []string{"mysite/settings/base.py"},
		},
		{
			name: "duplicates once, the file itself never",
			path: "mysite/settings/base.py", src: "from .base import *\nfrom .common import *\nfrom .common import X\n",
			want: []string{"mysite/settings/base/__init__.py", "mysite/settings/common.py", "mysite/settings/common/__init__.py"},
		},
		{
			name: "not python",
			path: "mysite/settings/prod.txt", src: "from .base import *\n",
			want: nil,
		},
		{
			name: "syntax error keeps the readable imports",
			path: "mysite/settings/prod.py", src: "from .base import *\nDEBUG = (\n",
			has: []string{"mysite/settings/base.py"},
		},
		{
			name: "binary",
			path: "mysite/settings/prod.py", src: "from .base import *\x00\xff",
			want: nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ImportCandidates(tc.path, []byte(tc.src))
			if tc.has == nil && !slices.Equal(got, tc.want) {
				t.Fatalf("ImportCandidates = %q, want %q", got, tc.want)
			}
			for _, h := range tc.has {
				if !slices.Contains(got, h) {
					t.Errorf("ImportCandidates = %q, missing %q", got, h)
				}
			}
			if tc.has != nil && len(got) > 0 && got[0] != tc.has[0] {
				t.Errorf("first candidate %q, want the likeliest %q", got[0], tc.has[0])
			}
			for _, n := range tc.not {
				if slices.Contains(got, n) {
					t.Errorf("ImportCandidates = %q, has %q", got, n)
				}
			}
			if slices.Contains(got, tc.path) {
				t.Errorf("ImportCandidates lists the file itself")
			}
		})
	}
}

// TestImportCandidatesCoverAnalyzer checks the promise the review relies
// on: for each layout, the files the analyzer loads through an entry
// module are among the entry's candidates (followed transitively, as a
// reviewer fetching them would), and analyzing just those gives the same
// production settings as analyzing the whole tree.
func TestImportCandidatesCoverAnalyzer(t *testing.T) {
	t.Parallel()
	layouts := []struct {
		name  string
		entry string
		files map[string]string
	}{
		{"relative split settings", "mysite/settings/production.py", map[string]string{
			"mysite/settings/__init__.py":   "",
			"mysite/settings/base.py":       "SECRET_KEY = 'x'\nINSTALLED_APPS = []\nSECURE_HSTS_SECONDS = 31536000\n",
			"mysite/settings/production.py": "from .base import *\ntry:\n    from .local import *\nexcept ImportError:\n    pass\nDEBUG = False\n",
			"mysite/settings/local.py":      "DEBUG = True\n",
			"mysite/urls.py":                "urlpatterns = []\n",
		}},
		{"absolute under src", "src/config/settings/prod.py", map[string]string{
			"src/config/settings/prod.py":                "from config.settings.common import *\nSECURE_SSL_REDIRECT = True\n",
			"src/config/settings/common.py":              "from .components.security import *\nINSTALLED_APPS = []\n",
			"src/config/settings/components/security.py": "SECURE_HSTS_SECONDS = 3600\n",
			"src/config/__init__.py":                     "",
			"docs/config/settings/common.py":             "DEBUG = True\n",
		}},
		{"package module", "proj/settings/prod.py", map[string]string{
			"proj/settings/prod.py":          "from ..shared import *\nfrom .base import *\n",
			"proj/shared/__init__.py":        "SESSION_COOKIE_SECURE = True\n",
			"proj/settings/base/__init__.py": "from .apps import *\nSECRET_KEY = 'x'\n",
			"proj/settings/base/apps.py":     "INSTALLED_APPS = ['django.contrib.auth']\n",
		}},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			all := map[string][]byte{}
			for p, s := range l.files {
				all[p] = []byte(s)
			}
			now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
			full := NewProject(Input{Files: all, Now: now})
			var entry *settingsModelView
			for _, m := range full.Settings {
				if m.Path == l.entry {
					entry = &settingsModelView{files: m.Files, skipped: m.Skipped}
				}
			}
			if entry == nil {
				t.Fatalf("%s is not an entry module of the full tree", l.entry)
			}
			// Fetch as a reviewer would: the entry, then every candidate
			// the tree has, transitively.
			fetched := map[string][]byte{l.entry: all[l.entry]}
			queue := []string{l.entry}
			for len(queue) > 0 {
				p := queue[0]
				queue = queue[1:]
				for _, c := range ImportCandidates(p, all[p]) {
					if _, ok := all[c]; ok && fetched[c] == nil {
						fetched[c] = all[c]
						queue = append(queue, c)
					}
				}
			}
			for _, f := range append(entry.files, entry.skipped...) {
				if _, ok := all[f]; ok && fetched[f] == nil {
					t.Errorf("the analyzer loads %s, which no candidate names (fetched %v)", f, keys(fetched))
				}
			}
			part := NewProject(Input{Files: fetched, Now: now})
			var got, want []string
			for _, m := range part.Settings {
				if m.Path == l.entry {
					got = describeModel(m.Settings)
				}
			}
			for _, m := range full.Settings {
				if m.Path == l.entry {
					want = describeModel(m.Settings)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("settings from the fetched files differ:\n got %q\nwant %q", got, want)
			}
		})
	}
}

type settingsModelView struct{ files, skipped []string }

func keys[V any](m map[string]V) []string {
	out := slices.Collect(maps.Keys(m))
	slices.Sort(out)
	return out
}

// describeModel renders a model's settings with where each was set.
func describeModel(ss map[string]*settings.Setting) []string {
	var out []string
	for name, s := range ss {
		if strings.ToUpper(name) == name {
			out = append(out, name+"="+s.Value.String()+"@"+s.Pos.Path)
		}
	}
	slices.Sort(out)
	return out
}
