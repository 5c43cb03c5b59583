# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN Invoke-WebRequest -Uri https://example.com/setup.exe -OutFile setup.exe ; `
    Start-Process setup.exe -ArgumentList '/quiet' -Wait ; `
    Remove-Item setup.exe
WORKDIR C:\app
COPY . .
USER ContainerUser
CMD ["app.exe"]
