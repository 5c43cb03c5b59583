"""Java: nested archives (war, Spring Boot, ear) read in memory within depth and size limits, no group
made up for a deployable without pom.properties, licences from Bundle-License."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest

from workers.image import ImageFS
from workers.sbom import catalog_image
from workers.sbom import java as java_module
from workers.sbom.java import bundle_licenses


def _zip(entries: dict[str, str | bytes], stored: bool = False) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", compression=method) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buf.getvalue()


def _pom_jar(group: str, artifact: str, version: str, **extra: str | bytes) -> bytes:
    pom = f"groupId={group}\nartifactId={artifact}\nversion={version}\n"
    return _zip({f"META-INF/maven/{group}/{artifact}/pom.properties": pom, **extra})


GUAVA = _zip(
    {
        "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\nBundle-SymbolicName: com.google.guava.guava\n"
        "Bundle-Version: 31.1.0.jre\nBundle-License: https://www.apache.org/licenses/LICENSE-2.0.txt\n"
    }
)
SPRING = _pom_jar("org.springframework", "spring-core", "5.3.20")


def _purls(image: ImageFS) -> dict[str, object]:
    return {p.purl: p for p in catalog_image(image).packages}


def test_war_libraries_and_no_made_up_group(image_of: Callable[..., ImageFS]) -> None:
    war = _zip(
        {
            "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\nImplementation-Title: petclinic\n"
            "Implementation-Version: 2.1.0\n",
            "WEB-INF/lib/spring-core-5.3.20.jar": SPRING,
            "WEB-INF/lib/guava-31.1-jre.jar": GUAVA,
            "WEB-INF/classes/App.class": b"\xca\xfe\xba\xbe",
        }
    )
    nameless = _zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n", "WEB-INF/lib/x.jar": SPRING})
    found = catalog_image(image_of({"/srv/app.war": war, "/srv/app-1.0.war": nameless}))
    purls = {p.purl: p for p in found.packages}
    assert set(purls) == {
        "pkg:maven/petclinic@2.1.0",
        "pkg:maven/org.springframework/spring-core@5.3.20",
        "pkg:maven/com.google.guava/guava@31.1.0.jre",
    }
    assert not any(p.startswith("pkg:maven/app/app") for p in purls)
    spring = [p for p in found.packages if p.name == "spring-core"]
    assert sorted(p.locations[1] for p in spring) == [
        "/srv/app-1.0.war:WEB-INF/lib/x.jar:META-INF/maven/org.springframework/spring-core/pom.properties",
        "/srv/app.war:WEB-INF/lib/spring-core-5.3.20.jar:META-INF/maven/org.springframework/spring-core/"
        "pom.properties",
    ]
    guava = purls["pkg:maven/com.google.guava/guava@31.1.0.jre"]
    assert guava.licenses == ("Apache-2.0",)  # type: ignore[attr-defined]
    assert guava.locations == ("/srv/app.war", "/srv/app.war:WEB-INF/lib/guava-31.1-jre.jar")  # type: ignore[attr-defined]
    assert found.skipped == []


def test_spring_boot_fat_jar_and_ear(image_of: Callable[..., ImageFS]) -> None:
    boot = _pom_jar(
        "com.example",
        "demo",
        "0.0.1",
        **{
            "BOOT-INF/lib/jackson-databind-2.15.0.jar": _pom_jar(
                "com.fasterxml.jackson.core", "jackson-databind", "2.15.0"
            )
        },
    )
    innermost = _pom_jar("org.too", "deep", "1.0")
    deep_jar = _pom_jar("org.example", "wrapper", "3.0", **{"lib/deep-1.0.jar": innermost})
    war = _zip({"WEB-INF/lib/wrapper-3.0.jar": deep_jar, "WEB-INF/lib/spring-core.jar": SPRING})
    ear = _zip({"web.war": war, "lib/guava-31.1-jre.jar": GUAVA}, stored=True)
    found = catalog_image(image_of({"/app/demo.jar": boot, "/opt/shop.ear": ear}))
    purls = {p.purl for p in found.packages}
    assert purls == {
        "pkg:maven/com.example/demo@0.0.1",
        "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.0",
        "pkg:maven/org.springframework/spring-core@5.3.20",
        "pkg:maven/org.example/wrapper@3.0",
        "pkg:maven/com.google.guava/guava@31.1.0.jre",
    }
    (skip,) = found.skipped
    assert skip.path == "/opt/shop.ear:web.war:WEB-INF/lib/wrapper-3.0.jar:lib/deep-1.0.jar"
    assert "deep" in skip.reason


def test_nested_size_limits_are_reported(
    image_of: Callable[..., ImageFS], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(java_module, "MAX_NESTED", len(SPRING) + 10)
    big = _pom_jar("org.big", "big", "1.0", filler=bytes(4096))
    war = _zip({"WEB-INF/lib/a.jar": SPRING, "WEB-INF/lib/big.jar": big, "WEB-INF/lib/bad.jar": b"junk"})
    found = catalog_image(image_of({"/srv/app.war": war}))
    assert {p.purl for p in found.packages} == {"pkg:maven/org.springframework/spring-core@5.3.20"}
    reasons = {s.path: s.reason for s in found.skipped}
    assert set(reasons) == {"/srv/app.war:WEB-INF/lib/big.jar", "/srv/app.war:WEB-INF/lib/bad.jar"}
    assert "over the" in reasons["/srv/app.war:WEB-INF/lib/big.jar"]
    assert "unreadable nested archive" in reasons["/srv/app.war:WEB-INF/lib/bad.jar"]
    monkeypatch.setattr(java_module, "MAX_NESTED_TOTAL", 10)
    found = catalog_image(image_of({"/srv/app.war": war}))
    reasons = {s.path: s.reason for s in found.skipped}
    assert found.packages == [] and "in all" in reasons["/srv/app.war:WEB-INF/lib/a.jar"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Apache-2.0", ("Apache-2.0",)),
        ('"Apache License, Version 2.0";link="https://www.apache.org/licenses/LICENSE-2.0.txt"',
         ("Apache License, Version 2.0",)),
        ("https://opensource.org/licenses/MIT, EPL-2.0", ("EPL-2.0", "MIT")),
        ("", ()),
    ],
)  # fmt: skip
def test_bundle_license(value: str, expected: tuple[str, ...]) -> None:
    assert bundle_licenses(value) == expected
