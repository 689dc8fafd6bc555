// A program outside this repository that uses the kcid Go client: the client is required at a
// placeholder version and replaced by a checkout (point the path at yours). The client's tests
// copy this program to a temporary directory outside the repository, point the replace at the
// checkout with an absolute path, and build and run it against a live kcid.
module example.com/kcid-consumer

go 1.25.0

require github.com/kcid/kcid/clients/go v0.0.0

replace github.com/kcid/kcid/clients/go => ../..
