import os

from vpcsec_lint.sources import analysis_root, inside_root


def test_analysis_root_is_the_repository_else_the_given_path(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra" / "app").mkdir(parents=True)
    assert analysis_root(str(repo / "infra" / "app"), str(repo / "infra")) == str(repo)
    plain = tmp_path / "plain" / "mod"
    plain.mkdir(parents=True)
    (plain / "main.tf").write_text("")
    assert analysis_root(str(plain), str(plain / "main.tf")) == str(plain)
    assert analysis_root(str(plain), str(tmp_path / "plain")) == str(tmp_path / "plain")


def test_inside_root_resolves_symlinks_and_dotdot(tmp_path):
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (tmp_path / "secret").write_text("x")
    os.symlink(tmp_path / "secret", root / "a" / "link")
    real_root = os.path.realpath(root)
    assert inside_root(str(root / "a"), real_root)
    assert not inside_root(str(root / "a" / ".." / ".." / "secret"), real_root)
    assert not inside_root(str(root / "a" / "link"), real_root)
    assert not inside_root("/proc/self/environ", real_root)
