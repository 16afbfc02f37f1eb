module github.com/djsec/djsec

go 1.26

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/mattn/go-pointer v0.0.1 // indirect
	github.com/tree-sitter/go-tree-sitter v0.25.0 // indirect
	github.com/tree-sitter/tree-sitter-python v0.23.6 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)
